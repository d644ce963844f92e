package realnet

import (
	"bytes"
	"context"
	"fmt"
	"github.com/dsim-project/dsim/realnet/internal/wire"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestOutboxTakenBytesStayIntact is the ownership rule of outbox as a
// property: whatever interleaving of push, take and recycle, bytes handed
// out by take are never changed by later pushes until they are recycled,
// and the taken buffers concatenate to exactly the pushed frames, in order.
func TestOutboxTakenBytesStayIntact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := newOutbox(1 << 20)
		var pushed, written []byte
		type held struct{ buf, copy []byte }
		var inFlight []held // taken, not yet recycled (at most one: one writer)
		for i, n := 0, rapid.IntRange(1, 60).Draw(t, "ops"); i < n; i++ {
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				size := rapid.IntRange(1, 40).Draw(t, "size")
				frame := bytes.Repeat([]byte{byte(i)}, size)
				require.True(t, o.push(frame))
				pushed = append(pushed, frame...)
			case 1:
				if len(inFlight) > 0 {
					continue // the single writer writes one buffer at a time
				}
				if b := o.take(); b != nil {
					inFlight = append(inFlight, held{b, bytes.Clone(b)})
					written = append(written, b...)
				}
			case 2:
				for _, h := range inFlight {
					o.recycle(h.buf)
				}
				inFlight = nil
			}
			for _, h := range inFlight {
				if !bytes.Equal(h.buf, h.copy) {
					t.Fatalf("bytes being written were overwritten by a later push:\n got %v\nwant %v", h.buf, h.copy)
				}
			}
		}
		for _, h := range inFlight {
			o.recycle(h.buf)
		}
		if b := o.take(); b != nil {
			written = append(written, b...)
		}
		require.Equal(t, pushed, written)
	})
}

// TestPeerWriterDoesNotCorruptFramesQueuedDuringAWrite drives the real
// peer writer over a synchronous pipe, so that the test knows the writer is
// inside Write (it has read the first byte of a frame) when the node queues
// the next frames. Before the outbox ownership fix, the buffer being
// written could also be the queue, so those later frames overwrote bytes
// not yet sent: the reader saw a frame twice and lost another, or a
// garbled length ("frame too large"), as seen under CPU load in the e2e
// test.
func TestPeerWriterDoesNotCorruptFramesQueuedDuringAWrite(t *testing.T) {
	local, remote := net.Pipe()
	defer remote.Close()
	p := &peer{n: &Node{}, out: newOutbox(maxPeerQueue)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.writer(ctx) }()
	defer func() { cancel(); local.Close(); <-done }()
	p.setConn(local)

	frame := func(i int) []byte {
		return wire.AppendFrame(nil, wire.FrameMessages, []byte(fmt.Sprintf("frame %04d", i)))
	}
	fr := wire.NewFrameReader(remote, 0)
	next := 0 // next frame number the reader expects
	for round := 0; round < 500; round++ {
		a, b, c := 3*round, 3*round+1, 3*round+2
		require.True(t, p.out.push(frame(a)))
		// Read exactly one byte of frame a: the writer is now blocked in
		// Write on the buffer holding a.
		var first [1]byte
		_, err := io.ReadFull(remote, first[:])
		require.NoError(t, err)
		require.True(t, p.out.push(frame(b)))
		require.True(t, p.out.push(frame(c)))
		rest := make([]byte, len(frame(a))-1)
		_, err = io.ReadFull(remote, rest)
		require.NoError(t, err)
		require.Equal(t, frame(a), append(first[:], rest...), "frame %d", a)
		next = a + 1
		for next <= c {
			typ, payload, err := fr.Read()
			require.NoError(t, err)
			require.Equal(t, wire.FrameMessages, typ)
			require.Equal(t, fmt.Sprintf("frame %04d", next), string(payload))
			next++
		}
	}
}
