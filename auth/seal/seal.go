package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// prefix starts every sealed value; the version lets the format change.
const prefix = "seal:v1:"

// ErrNoKey is matched (errors.Is) by errors from a nil *Keyring: a value
// must be sealed or opened but no key was supplied.
var ErrNoKey = errors.New("seal: no secret key was supplied")

// ErrWrongKey is matched (errors.Is) by errors from opening a value with a
// keyring that does not hold its key, or whose key does not authenticate
// it.
var ErrWrongKey = errors.New("seal: the secret key does not open the sealed value")

// Key is an AES-256 key. Its zero value is not a key; use [ParseKey] or
// [GenerateKey]. It prints as its ID only.
type Key struct {
	id  string
	raw []byte
}

// ParseKey decodes a key from base64 (standard or URL alphabet, with or
// without padding) of exactly 32 bytes. The error never contains the text.
func ParseKey(text string) (Key, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Key{}, errors.New("seal: the key is empty: give base64 of 32 random bytes (for example the output of: head -c 32 /dev/urandom | base64)")
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(text); err == nil {
			break
		}
	}
	if err != nil {
		return Key{}, fmt.Errorf("seal: the key is not base64 (%d characters): give base64 of 32 random bytes (for example the output of: head -c 32 /dev/urandom | base64)", len(text))
	}
	return NewKey(raw)
}

// NewKey makes a key of raw, which must be 32 bytes; it copies raw.
func NewKey(raw []byte) (Key, error) {
	if len(raw) != KeySize {
		return Key{}, fmt.Errorf("seal: the key is %d bytes, want %d: give base64 of 32 random bytes (for example the output of: head -c 32 /dev/urandom | base64)", len(raw), KeySize)
	}
	raw = append([]byte(nil), raw...)
	sum := sha256.Sum256(append([]byte("recipekit seal key id\x00"), raw...))
	return Key{id: hex.EncodeToString(sum[:4]), raw: raw}, nil
}

// GenerateKey returns a new random key.
func GenerateKey() (Key, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, fmt.Errorf("seal: generating a key: %w", err)
	}
	return NewKey(raw)
}

// ID returns the key's fingerprint (8 hex digits), which sealed values
// carry to name the key that opens them.
func (k Key) ID() string { return k.id }

// Base64 returns the key as standard base64, the form [ParseKey] reads.
// Keep it secret.
func (k Key) Base64() string { return base64.StdEncoding.EncodeToString(k.raw) }

// String returns "seal.Key(<id>)"; the key itself is never printed.
func (k Key) String() string { return "seal.Key(" + k.id + ")" }

// GoString returns the same as String, for %#v.
func (k Key) GoString() string { return k.String() }

// Keyring seals with its current key and opens values sealed with the
// current key or any previous key. A nil *Keyring seals and opens nothing:
// its methods return errors matching [ErrNoKey]. It is safe for concurrent
// use.
type Keyring struct {
	current string
	ids     []string // current first
	aeads   map[string]cipher.AEAD
}

// NewKeyring returns a keyring sealing with current and also opening values
// sealed with the previous keys.
func NewKeyring(current Key, previous ...Key) (*Keyring, error) {
	kr := &Keyring{current: current.id, aeads: map[string]cipher.AEAD{}}
	for i, k := range append([]Key{current}, previous...) {
		what := "the current key"
		if i > 0 {
			what = fmt.Sprintf("previous key %d", i)
		}
		if len(k.raw) != KeySize {
			return nil, fmt.Errorf("seal: %s is not a key: make keys with ParseKey or GenerateKey", what)
		}
		if _, dup := kr.aeads[k.id]; dup {
			return nil, fmt.Errorf("seal: %s (id %s) is given twice: list each key once", what, k.id)
		}
		block, err := aes.NewCipher(k.raw)
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", what, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", what, err)
		}
		kr.aeads[k.id] = aead
		kr.ids = append(kr.ids, k.id)
	}
	return kr, nil
}

// ParseKeyring parses the current key and a list of previous keys separated
// by commas or white space (empty when there are none), each in the form
// [ParseKey] reads.
func ParseKeyring(current, previous string) (*Keyring, error) {
	cur, err := ParseKey(current)
	if err != nil {
		return nil, fmt.Errorf("the current key: %w", err)
	}
	var prev []Key
	for i, text := range strings.FieldsFunc(previous, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		k, err := ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		prev = append(prev, k)
	}
	return NewKeyring(cur, prev...)
}

// CurrentID returns the ID of the key that seals new values; empty for a
// nil keyring.
func (kr *Keyring) CurrentID() string {
	if kr == nil {
		return ""
	}
	return kr.current
}

// IDs returns the IDs of the keyring's keys, current first.
func (kr *Keyring) IDs() []string {
	if kr == nil {
		return nil
	}
	return append([]string(nil), kr.ids...)
}

// Seal encrypts plaintext with the current key. context names what the
// value is and where it belongs (such as "webhook secret of recipe X"); the
// same context must be given to Open.
func (kr *Keyring) Seal(plaintext []byte, context string) (string, error) {
	if kr == nil {
		return "", fmt.Errorf("%w: a secret must be stored and is only ever stored encrypted; supply a key (see the README's \"Secret keys\" section)", ErrNoKey)
	}
	aead := kr.aeads[kr.current]
	header := prefix + kr.current + ":"
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: generating a nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, additional(header, context))
	return header + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same context. An error names
// the key id the value needs and the ids the keyring holds, never the
// value.
func (kr *Keyring) Open(sealed, context string) ([]byte, error) {
	id, body, ok := split(sealed)
	if !ok {
		return nil, errors.New("seal: the stored value is not a sealed value (it does not start with \"seal:v1:<key id>:\"): it was altered or written by something else")
	}
	if kr == nil {
		return nil, fmt.Errorf("%w: the stored secret is sealed with key id %s; supply that key (see the README's \"Secret keys\" section)", ErrNoKey, id)
	}
	aead, ok := kr.aeads[id]
	if !ok {
		return nil, &KeyError{Want: id, Have: kr.IDs()}
	}
	data, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("seal: the value sealed with key id %s is truncated or altered: it cannot be opened; store the secret again", id)
	}
	nonce, ct := data[:aead.NonceSize()], data[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, ct, additional(prefix+id+":", context))
	if err != nil {
		return nil, &KeyError{Want: id, Have: kr.IDs(), Tampered: true}
	}
	return plain, nil
}

// NeedsReseal reports whether a stored value should be sealed again with
// the current key: it is sealed with a previous key, or not sealed at all.
func (kr *Keyring) NeedsReseal(stored string) bool {
	id, _, ok := split(stored)
	return !ok || id != kr.CurrentID()
}

// IsSealed reports whether s has the form of a sealed value.
func IsSealed(s string) bool {
	_, _, ok := split(s)
	return ok
}

// KeyID returns the id of the key a sealed value needs, and false when s is
// not a sealed value.
func KeyID(s string) (string, bool) {
	id, _, ok := split(s)
	return id, ok
}

func split(s string) (id, body string, ok bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", "", false
	}
	id, body, ok = strings.Cut(rest, ":")
	if !ok || len(id) != 8 || body == "" {
		return "", "", false
	}
	return id, body, true
}

func additional(header, context string) []byte {
	return []byte(header + context)
}

// KeyError reports a sealed value the keyring cannot open. It matches
// [ErrWrongKey].
type KeyError struct {
	// Want is the id of the key the value was sealed with.
	Want string
	// Have lists the keyring's key ids, current first.
	Have []string
	// Tampered is true when the keyring holds a key with the wanted id but
	// the value does not authenticate: it was altered, or copied from
	// another record.
	Tampered bool
}

// Error names the key ids and says what to do.
func (e *KeyError) Error() string {
	if e.Tampered {
		return fmt.Sprintf("seal: the value sealed with key id %s fails authentication: it was altered or belongs to another record; store the secret again", e.Want)
	}
	have := "the current key " + e.Have[0]
	if len(e.Have) > 1 {
		have += " and previous keys " + strings.Join(e.Have[1:], ", ")
	}
	return fmt.Sprintf("seal: the stored secret is sealed with key id %s, but the keyring holds %s: supply the key with id %s; if you are rotating keys, give the new key as the current key and key %s as a previous key until the stores have been re-sealed", e.Want, have, e.Want, e.Want)
}

// Is matches ErrWrongKey.
func (e *KeyError) Is(target error) bool { return target == ErrWrongKey }
