// A module outside dsim's, as a user's would be: it imports dsim through
// the go.work next to it (TestImportFromAnotherModule runs its tests).
module example.com/extmod

go 1.26.8
