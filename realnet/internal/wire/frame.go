package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A frame on the wire is
//
//	uvarint L | type byte | payload (L-1 bytes)
//
// L counts the type byte and the payload, so an empty payload has L = 1.
// Every frame a node reads is bounded by its MaxFrame; a longer one is
// refused before any of it is buffered.

// FrameType says what a frame's payload holds.
type FrameType byte

const (
	// FrameHello opens a connection: see Hello.
	FrameHello FrameType = 1
	// FrameAuth answers the other side's Hello nonce with an HMAC.
	FrameAuth FrameType = 2
	// FrameMessages carries one tick's messages from one node to one peer.
	FrameMessages FrameType = 3
	// FrameInput carries client input facts to a node.
	FrameInput FrameType = 4
	// FrameOutput carries output facts from a node to a client.
	FrameOutput FrameType = 5
	// FrameError carries a human-readable reason, sent best effort before
	// a node closes a connection it refuses.
	FrameError FrameType = 6
)

func (t FrameType) String() string {
	switch t {
	case FrameHello:
		return "hello"
	case FrameAuth:
		return "auth"
	case FrameMessages:
		return "messages"
	case FrameInput:
		return "input"
	case FrameOutput:
		return "output"
	case FrameError:
		return "error"
	}
	return fmt.Sprintf("unknown(%d)", byte(t))
}

func (t FrameType) valid() bool { return t >= FrameHello && t <= FrameError }

// DefaultMaxFrame bounds a frame (type byte and payload) unless a node is
// configured otherwise: 4 MiB holds a tick of ~100,000 small messages.
const DefaultMaxFrame = 4 << 20

// ErrFrameTooLarge is wrapped by ReadFrame when a frame's length exceeds
// the reader's bound.
var ErrFrameTooLarge = errors.New("frame too large")

// ErrMalformed is wrapped by every decoding error of well-delimited but
// ill-formed input.
var ErrMalformed = errors.New("malformed frame")

// FrameReader reads frames from a stream, reusing one buffer.
type FrameReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewFrameReader reads frames of at most max bytes (type byte and payload)
// from r; max <= 0 means DefaultMaxFrame.
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &FrameReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Read returns the next frame. The payload is valid until the next call.
// A clean end of stream before a frame starts is io.EOF; every other
// problem is an error that names it.
func (fr *FrameReader) Read() (FrameType, []byte, error) {
	n, err := readUvarint(fr.r)
	if err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, fmt.Errorf("%w: zero length (a frame holds at least its type byte)", ErrMalformed)
	}
	if n > uint64(fr.max) {
		return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, fr.max)
	}
	if cap(fr.buf) < int(n) {
		fr.buf = make([]byte, n)
	}
	b := fr.buf[:n]
	if _, err := io.ReadFull(fr.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, fmt.Errorf("reading a %d-byte frame: %w", n, err)
	}
	t := FrameType(b[0])
	if !t.valid() {
		return 0, nil, fmt.Errorf("%w: unknown frame type %d", ErrMalformed, b[0])
	}
	return t, b[1:], nil
}

// readUvarint reads a minimal uvarint (the canonical form): an overlong or
// overflowing encoding is malformed.
func readUvarint(r io.ByteReader) (uint64, error) {
	var x uint64
	var s uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, fmt.Errorf("%w: length varint overflows 64 bits", ErrMalformed)
			}
			if b == 0 && i > 0 {
				return 0, fmt.Errorf("%w: overlong length varint", ErrMalformed)
			}
			return x | uint64(b)<<s, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, fmt.Errorf("%w: length varint overflows 64 bits", ErrMalformed)
}

// AppendFrame appends one frame of type t holding payload to dst.
func AppendFrame(dst []byte, t FrameType, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)+1))
	dst = append(dst, byte(t))
	return append(dst, payload...)
}

// DecodeFrame decodes exactly one frame that fills b, with the bound max
// (DefaultMaxFrame when max <= 0). It is the in-memory twin of
// FrameReader.Read, used by the fuzz target and by trace loading.
func DecodeFrame(b []byte, max int) (FrameType, []byte, error) {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	d := decoder{b: b}
	n := d.uvarint()
	if d.err != nil {
		return 0, nil, d.err
	}
	if n == 0 {
		return 0, nil, fmt.Errorf("%w: zero length", ErrMalformed)
	}
	if n > uint64(max) {
		return 0, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, max)
	}
	if uint64(len(d.b)) != n {
		return 0, nil, fmt.Errorf("%w: length says %d bytes, %d follow", ErrMalformed, n, len(d.b))
	}
	t := FrameType(d.b[0])
	if !t.valid() {
		return 0, nil, fmt.Errorf("%w: unknown frame type %d", ErrMalformed, d.b[0])
	}
	return t, d.b[1:], nil
}
