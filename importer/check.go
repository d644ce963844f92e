package importer

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file checks the manifest's [client] and [async] tables against the
// role files, and picks the names of relations that would clash once the
// roles are one program.

// rolesUsing lists the roles whose rules read rel in a body, and those
// whose rules derive it (from the trees: an artifact channel that no rule
// of a role derives is not IDB there, so analysis's References would miss
// it).
func (im *importer) rolesUsing(rel string) (readers, writers []*role) {
	for _, r := range im.roles {
		reads, writes := false, false
		for _, it := range allItems(r.ast) {
			rule, ok := it.(*syntax.Rule)
			if !ok {
				continue
			}
			writes = writes || rule.Head.Name.Name == rel
			for _, l := range rule.Body {
				if a, ok := l.(*syntax.Atom); ok && a != nil && a.Name.Name == rel {
					reads = true
				}
			}
		}
		if reads {
			readers = append(readers, r)
		}
		if writes {
			writers = append(writers, r)
		}
	}
	return
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (im *importer) checkClient() {
	c := im.m.Client
	if c == nil {
		return
	}
	ci := &im.client
	at := func(k string) syntax.Pos { return im.m.keys.value("client", k) }
	if c.Request != "" {
		ci.hasClient = true
		ci.request = c.Request
		readers, _ := im.rolesUsing(c.Request)
		switch len(readers) {
		case 0:
			im.merrorf(at("request"), "name the relation the role files read client requests from (e.g. clientIn)",
				"no role reads request relation %s", c.Request)
			return
		case 1:
			ci.entry = readers[0]
		default:
			im.merrorf(at("request"), "requests enter one role; the others should receive them as messages",
				"request relation %s is read by roles %s and %s", c.Request, readers[0].name, readers[1].name)
			return
		}
		rel := ci.entry.prog.Relation(c.Request)
		ci.requestArity = rel.Arity()
		// Without a tag (the artifact's clientIn(payload) of a protocol
		// whose replies come from elsewhere), every column is the request's.
		ci.tag = -1
		hasTag := im.m.keys.has("client", "tag")
		if hasTag && (c.Tag < 1 || c.Tag > ci.requestArity) {
			im.merrorf(at("tag"), fmt.Sprintf("%s has %d columns in %s; tag counts from 1", c.Request, ci.requestArity, filepath.Base(ci.entry.file)),
				"tag column %d is out of range", c.Tag)
			return
		}
		if hasTag {
			ci.tag = c.Tag - 1
		}
		switch {
		case !im.m.keys.has("client", "id"):
			ci.id = 0
			if ci.tag == 0 {
				ci.id = 1
			}
		case c.ID < 1 || c.ID > ci.requestArity || c.ID == c.Tag:
			im.merrorf(at("id"), fmt.Sprintf("%s has %d columns; id counts from 1 and is not the tag column", c.Request, ci.requestArity),
				"id column %d is out of range or is the tag", c.ID)
			return
		default:
			ci.id = c.ID - 1
		}
		if ci.id >= ci.requestArity {
			im.merrorf(at("tag"), "a request needs a column besides the client tag to carry its id",
				"%s has no column for the request id", c.Request)
			return
		}
		ci.input = c.Input
		if ci.input == "" {
			ci.input = "request"
		}
	}
	if c.Reply != "" {
		ci.hasReply = true
		ci.reply = c.Reply
		_, writers := im.rolesUsing(c.Reply)
		if len(writers) == 0 {
			im.merrorf(at("reply"), "name the relation the role files send replies to the client with (e.g. clientOut@client(...))",
				"no role derives reply relation %s", c.Reply)
		}
		ci.output = c.Output
		if ci.output == "" {
			ci.output = "reply"
		}
		ci.replyTag = c.ReplyTag == nil || *c.ReplyTag
	}
	for _, n := range []struct{ key, name string }{{"input", ci.input}, {"output", ci.output}} {
		if n.name == "" {
			continue
		}
		if !isIdentName(n.name) {
			im.merrorf(at(n.key), "a relation name is an identifier", "%s %q is not a relation name", n.key, n.name)
			continue
		}
		for _, r := range im.roles {
			if r.prog != nil && (r.prog.Relation(n.name) != nil || r.prog.Component(n.name) != nil) {
				im.merrorf(at(n.key), "choose a name no role file uses", "%s relation %s is already a relation of role %s", n.key, n.name, r.name)
				break
			}
		}
		if im.byName[n.name] != nil {
			im.merrorf(at(n.key), "choose a name that is not a role", "%s relation %s is a role name", n.key, n.name)
		}
	}
}

// checkAsync checks the [async] table against the role files: every
// relation sent with @ has a destination, and every entry names a
// relation some role sends.
func (im *importer) checkAsync() {
	sent := map[string]bool{}
	for _, r := range im.roles {
		for _, it := range allItems(r.ast) {
			rule, ok := it.(*syntax.Rule)
			if !ok || rule.Head.At == nil {
				continue
			}
			name := rule.Head.Name.Name
			sent[name] = true
			if im.m.Client != nil && im.m.Client.Reply != "" && name == im.m.Client.Reply {
				continue
			}
			if _, ok := im.m.routes[name]; !ok {
				im.errorf(r.file, rule.Head.At.Position(),
					fmt.Sprintf("add %s = \"ROLE\" under [async] in %s: the role whose instance numbers the @ names "+
						"(or, if it answers clients, reply = %q under [client])", name, filepath.Base(im.path), name),
					"the manifest does not say which role receives %s", name)
			}
		}
	}
	var names []string
	for rel := range im.m.routes {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		if !sent[rel] {
			im.merrorf(im.m.keys.lookup("async", rel), "list the relations the role files send with rel@dest(...) :~ ...",
				"no role sends %s with @", rel)
		}
	}
}

// renameClashes gives a role-local relation that another role uses with a
// different number of columns a name of its own (ROLE_rel): roles are
// separate programs in the artifact, but one program here. Channels (async
// relations, the request) must agree.
func (im *importer) renameClashes() {
	type use struct {
		r     *role
		arity int
		pos   syntax.Pos
	}
	uses := map[string][]use{}
	for _, r := range im.roles {
		for _, rel := range r.prog.Relations {
			uses[rel.Name] = append(uses[rel.Name], use{r, rel.Arity(), rel.Pos})
		}
	}
	var names []string
	for n := range uses {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		us := uses[n]
		// A channel is named as its receiver reads it; a sender's name
		// for it (rel, when as differs) is gone from the program.
		channel := n == im.client.request
		for _, rt := range im.m.routes {
			channel = channel || n == rt.as
		}
		if channel && im.byName[n] != nil {
			im.errorf(us[0].r.file, us[0].pos, "rename the relation in the role files, or the role in the manifest",
				"relation %s sent between roles has the name of role %s", n, n)
			continue
		}
		if im.byName[n] != nil && !channel {
			// A relation named like a role (the artifact's leader(addr),
			// a list of leader IDs) would be that component's enumeration.
			for _, u := range us {
				u.r.rename[n] = u.r.name + "_" + n
			}
			continue
		}
		for _, u := range us[1:] {
			if u.arity == us[0].arity {
				continue
			}
			if channel {
				im.errorf(u.r.file, u.pos, "a relation sent from one role to another has the same columns in both",
					"%s has %d columns here but %d in role %s (%s:%d:%d)", n, u.arity, us[0].arity, us[0].r.name,
					filepath.Base(us[0].r.file), us[0].pos.Line, us[0].pos.Col)
				continue
			}
			u.r.rename[n] = u.r.name + "_" + n
		}
	}
}
