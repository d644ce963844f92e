package wire

import (
	"testing"

	"github.com/dsim-project/dsim/semantics/value"
)

// votingBatch is the voting_gc leader's traffic: a batch of 32
// vote(src, id, payload) facts from one participant, the schema it
// travels by, and its encoding.
func votingBatch(b *testing.B) (*Schema, []value.Fact, []byte) {
	s := &Schema{relIndex: map[string]int{}}
	s.addRel("vote", []value.Kind{value.KindAddr, value.KindInt, value.KindInt})
	s.addRel("voteReq", []value.Kind{value.KindInt, value.KindInt})
	s.comps = []string{"leader", "participant"}
	s.finish()
	src := value.AddrOf(value.Addr{Comp: "participant", Instance: 2})
	var facts []value.Fact
	for i := range 32 {
		id := int64(1)<<40 + int64(i)
		facts = append(facts, value.Fact{Rel: "vote", Tuple: value.Tuple{src, value.Int(id), value.Int(id%1000 + 1)}})
	}
	enc, err := s.AppendFacts(nil, facts)
	if err != nil {
		b.Fatal(err)
	}
	return s, facts, enc
}

// BenchmarkDecodeVotes: the leader's per-message decoding cost.
func BenchmarkDecodeVotes(b *testing.B) {
	s, facts, enc := votingBatch(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.DecodeFacts(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(facts)), "ns/fact")
}

// BenchmarkEncodeVotes: a participant's per-message encoding cost.
func BenchmarkEncodeVotes(b *testing.B) {
	s, facts, enc := votingBatch(b)
	buf := make([]byte, 0, len(enc))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = s.AppendFacts(buf[:0], facts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(facts)), "ns/fact")
}
