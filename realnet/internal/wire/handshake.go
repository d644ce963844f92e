package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sort"
	"time"
)

// Every connection opens with the same exchange, in both directions at
// once (each side writes before it reads, so neither waits on the other):
//
//	-> Hello{version, role, name, nonce, fingerprint}
//	-> Auth{HMAC-SHA256(token, "dsim-auth/1" | peer's nonce | own role | own name | fingerprint)}
//
// The MAC proves knowledge of the cluster token without sending it, binds
// the sender's claimed name, and is fresh because it covers the other
// side's random nonce. The fingerprint (hash of the program source and the
// instance counts) makes nodes of different programs refuse each other,
// which the wire encoding relies on: facts travel as relation indexes.

// ProtocolVersion is the wire version in Hello.
const ProtocolVersion = 1

// Role says who opens a connection.
type Role byte

const (
	// RolePeer is another node of the cluster.
	RolePeer Role = 1
	// RoleClient sends inputs and receives outputs.
	RoleClient Role = 2
)

// Hello is the first frame of a connection.
type Hello struct {
	Version     uint64
	Role        Role
	Name        string // the node address comp[i], or a client's name
	Nonce       [32]byte
	Fingerprint [32]byte
}

func (h *Hello) append(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, h.Version)
	dst = append(dst, byte(h.Role))
	dst = binary.AppendUvarint(dst, uint64(len(h.Name)))
	dst = append(dst, h.Name...)
	dst = append(dst, h.Nonce[:]...)
	return append(dst, h.Fingerprint[:]...)
}

// decodeHello never panics; see FuzzDecodeFrame.
func decodeHello(b []byte) (Hello, error) {
	d := decoder{b: b}
	var h Hello
	h.Version = d.uvarint()
	h.Role = Role(d.byte1())
	name := d.uvarint()
	if d.err == nil && name > 256 {
		d.fail("hello name of %d bytes (limit 256)", name)
	}
	h.Name = string(d.bytes(name))
	copy(h.Nonce[:], d.bytes(32))
	copy(h.Fingerprint[:], d.bytes(32))
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes after hello", len(d.b))
	}
	if d.err == nil && h.Role != RolePeer && h.Role != RoleClient {
		d.fail("unknown role %d", h.Role)
	}
	return h, d.err
}

// Fingerprint identifies a program and its instance counts.
func Fingerprint(src []byte, counts map[string]int) [32]byte {
	h := sha256.New()
	h.Write([]byte("dsim-program/1\x00"))
	h.Write(src)
	comps := make([]string, 0, len(counts))
	for c := range counts {
		comps = append(comps, c)
	}
	sort.Strings(comps)
	for _, c := range comps {
		fmt.Fprintf(h, "\x00%s=%d", c, counts[c])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func authMAC(token string, peerNonce [32]byte, role Role, name string, fp [32]byte) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("dsim-auth/1"))
	m.Write(peerNonce[:])
	m.Write([]byte{byte(role)})
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write(fp[:])
	return m.Sum(nil)
}

// HandshakeTimeout bounds the whole opening exchange.
const HandshakeTimeout = 5 * time.Second

// Handshake runs the opening exchange on conn and returns the other side's
// verified Hello. On any error the caller closes the connection.
func Handshake(conn net.Conn, fr *FrameReader, token string, role Role, name string, fp [32]byte) (Hello, error) {
	_ = conn.SetDeadline(time.Now().Add(HandshakeTimeout))
	defer conn.SetDeadline(time.Time{})
	local := Hello{Version: ProtocolVersion, Role: role, Name: name, Fingerprint: fp}
	if _, err := io.ReadFull(rand.Reader, local.Nonce[:]); err != nil {
		return Hello{}, fmt.Errorf("drawing a nonce: %w", err)
	}
	if _, err := conn.Write(AppendFrame(nil, FrameHello, local.append(nil))); err != nil {
		return Hello{}, fmt.Errorf("sending hello: %w", err)
	}
	t, payload, err := fr.Read()
	if err != nil {
		return Hello{}, fmt.Errorf("reading hello: %w", err)
	}
	if t != FrameHello {
		return Hello{}, fmt.Errorf("%w: expected hello, got %v", ErrMalformed, t)
	}
	remote, err := decodeHello(payload)
	if err != nil {
		return Hello{}, fmt.Errorf("hello: %w", err)
	}
	if remote.Version != ProtocolVersion {
		return Hello{}, fmt.Errorf("peer speaks protocol version %d, this node %d", remote.Version, ProtocolVersion)
	}
	mac := authMAC(token, remote.Nonce, role, name, fp)
	if _, err := conn.Write(AppendFrame(nil, FrameAuth, mac)); err != nil {
		return Hello{}, fmt.Errorf("sending auth: %w", err)
	}
	t, payload, err = fr.Read()
	if err != nil {
		return Hello{}, fmt.Errorf("reading auth: %w", err)
	}
	if t != FrameAuth {
		return Hello{}, fmt.Errorf("%w: expected auth, got %v", ErrMalformed, t)
	}
	want := authMAC(token, local.Nonce, remote.Role, remote.Name, remote.Fingerprint)
	if !hmac.Equal(payload, want) {
		return Hello{}, fmt.Errorf("authentication failed for %q (wrong cluster token?)", remote.Name)
	}
	if remote.Fingerprint != fp {
		return Hello{}, fmt.Errorf("%q runs a different program or instance counts (fingerprint mismatch)", remote.Name)
	}
	return remote, nil
}
