package wire

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsim-project/dsim/semantics/value"
)

// fuzzSchema is a fixed schema standing in for a program: one relation of
// each column kind mix, two components.
func fuzzSchema() *Schema {
	s := &Schema{relIndex: map[string]int{}}
	s.addRel("request", []value.Kind{value.KindInt, value.KindInt})
	s.addRel("vote", []value.Kind{value.KindAddr, value.KindInt, value.KindString})
	s.addRel("ping", nil)
	s.comps = []string{"leader", "participant"}
	s.finish()
	return s
}

func TestFrameRoundTrip(t *testing.T) {
	s := fuzzSchema()
	rapid.Check(t, func(t *rapid.T) {
		var facts []value.Fact
		for i, n := 0, rapid.IntRange(0, 20).Draw(t, "n"); i < n; i++ {
			switch rapid.IntRange(0, 2).Draw(t, "rel") {
			case 0:
				facts = append(facts, value.Fact{Rel: "request", Tuple: value.Tuple{
					value.Int(rapid.Int64().Draw(t, "id")), value.Int(rapid.Int64().Draw(t, "p"))}})
			case 1:
				facts = append(facts, value.Fact{Rel: "vote", Tuple: value.Tuple{
					value.AddrOf(value.Addr{Comp: rapid.SampledFrom([]string{"leader", "participant"}).Draw(t, "c"),
						Instance: rapid.IntRange(0, 1<<20).Draw(t, "i")}),
					value.Int(rapid.Int64().Draw(t, "id")), value.Str(rapid.String().Draw(t, "s"))}})
			default:
				facts = append(facts, value.Fact{Rel: "ping", Tuple: value.Tuple{}})
			}
		}
		payload, err := s.AppendFacts(nil, facts)
		require.NoError(t, err)
		frame := AppendFrame(nil, FrameMessages, payload)
		typ, got, err := DecodeFrame(frame, 0)
		require.NoError(t, err)
		require.Equal(t, FrameMessages, typ)
		back, err := s.DecodeFacts(got)
		require.NoError(t, err)
		require.Equal(t, len(facts), len(back))
		for i := range facts {
			require.Equal(t, 0, facts[i].Compare(back[i]), "fact %d: %v != %v", i, facts[i], back[i])
		}
		// The stream reader agrees with the in-memory decoder.
		fr := NewFrameReader(bytes.NewReader(frame), 0)
		typ2, got2, err := fr.Read()
		require.NoError(t, err)
		require.Equal(t, typ, typ2)
		require.Equal(t, got, got2)
	})
}

func TestDecodeRejects(t *testing.T) {
	s := fuzzSchema()
	ok, err := s.AppendFacts(nil, []value.Fact{{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(2)}}})
	require.NoError(t, err)
	for _, tt := range []struct {
		name    string
		frame   []byte
		max     int
		wantErr error
	}{
		{"empty", nil, 0, ErrMalformed},
		{"zero length", []byte{0}, 0, ErrMalformed},
		{"unknown type", []byte{1, 99}, 0, ErrMalformed},
		{"overlong length", []byte{0x81, 0x00, 3}, 0, ErrMalformed},
		{"too large", AppendFrame(nil, FrameInput, make([]byte, 100)), 50, ErrFrameTooLarge},
		{"short", AppendFrame(nil, FrameInput, ok)[:4], 0, ErrMalformed},
		{"trailing", append(AppendFrame(nil, FrameInput, ok), 0), 0, ErrMalformed},
		{"bad relation", AppendFrame(nil, FrameInput, []byte{1, 9}), 0, ErrMalformed},
		{"lying count", AppendFrame(nil, FrameInput, []byte{100, 0}), 0, ErrMalformed},
		{"truncated fact", AppendFrame(nil, FrameInput, ok[:len(ok)-1]), 0, ErrMalformed},
		{"trailing in payload", AppendFrame(nil, FrameInput, append(append([]byte{}, ok...), 7)), 0, ErrMalformed},
		{"overlong varint in payload", AppendFrame(nil, FrameInput, []byte{1, 0x80 | 1, 0, 2, 4}), 0, ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			typ, payload, err := DecodeFrame(tt.frame, tt.max)
			if err == nil && (typ == FrameInput || typ == FrameMessages) {
				_, err = s.DecodeFacts(payload)
			}
			require.Error(t, err)
			require.True(t, errors.Is(err, tt.wantErr), "error %v is not %v", err, tt.wantErr)
		})
	}
}

// FuzzDecodeFrame feeds arbitrary bytes to the frame, hello and fact
// decoders: they must never panic, and whatever decodes must re-encode to
// the same bytes (the encoding is canonical).
func FuzzDecodeFrame(f *testing.F) {
	s := fuzzSchema()
	ok, _ := s.AppendFacts(nil, []value.Fact{
		{Rel: "request", Tuple: value.Tuple{value.Int(-3), value.Int(1 << 40)}},
		{Rel: "vote", Tuple: value.Tuple{value.AddrOf(value.Addr{Comp: "participant", Instance: 2}), value.Int(7), value.Str("yes")}},
		{Rel: "ping", Tuple: value.Tuple{}},
	})
	f.Add(AppendFrame(nil, FrameMessages, ok))
	f.Add(AppendFrame(nil, FrameOutput, []byte{0}))
	h := Hello{Version: 1, Role: RolePeer, Name: "leader[0]"}
	f.Add(AppendFrame(nil, FrameHello, h.append(nil)))
	f.Add(AppendFrame(nil, FrameAuth, make([]byte, 32)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, payload, err := DecodeFrame(b, 1<<16)
		if err != nil {
			return
		}
		if !bytes.Equal(AppendFrame(nil, typ, payload), b) {
			t.Fatalf("frame %x re-encodes differently", b)
		}
		// Every reader agrees with the in-memory decoder.
		typ2, payload2, err := NewFrameReader(bytes.NewReader(b), 1<<16).Read()
		if err != nil || typ2 != typ || !bytes.Equal(payload, payload2) {
			t.Fatalf("stream reader disagrees on %x: %v", b, err)
		}
		switch typ {
		case FrameHello:
			if h, err := decodeHello(payload); err == nil && !bytes.Equal(h.append(nil), payload) {
				t.Fatalf("hello %x re-encodes differently", payload)
			}
		case FrameMessages, FrameInput, FrameOutput:
			facts, err := s.DecodeFacts(payload)
			if err != nil {
				return
			}
			again, err := s.AppendFacts(nil, facts)
			if err != nil || !bytes.Equal(again, payload) {
				t.Fatalf("batch %x re-encodes as %x (%v)", payload, again, err)
			}
		}
	})
}

// TestDecodedTuplesAreCapped: the tuples of a batch share one slab of
// values; each must be capped, so that a caller appending to one tuple
// (the evaluator keeps delivered tuples as they are) never overwrites the
// next one's values.
func TestDecodedTuplesAreCapped(t *testing.T) {
	s := fuzzSchema()
	in := []value.Fact{
		{Rel: "request", Tuple: value.Tuple{value.Int(1), value.Int(10)}},
		{Rel: "request", Tuple: value.Tuple{value.Int(2), value.Int(20)}},
		{Rel: "ping", Tuple: value.Tuple{}},
		{Rel: "request", Tuple: value.Tuple{value.Int(3), value.Int(30)}},
	}
	b, err := s.AppendFacts(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := s.DecodeFacts(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range facts {
		if cap(f.Tuple) != len(f.Tuple) {
			t.Fatalf("fact %d: cap %d, len %d", i, cap(f.Tuple), len(f.Tuple))
		}
		_ = append(f.Tuple, value.Int(-1))
	}
	for i, f := range facts {
		if f.Rel != in[i].Rel || !f.Tuple.Equal(in[i].Tuple) {
			t.Fatalf("fact %d decoded as %v, want %v", i, f, in[i])
		}
	}
}
