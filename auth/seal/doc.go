// Package seal encrypts the secrets recipekit keeps at rest (OAuth tokens in
// a token file, webhook secrets in a recipe store) with keys the program
// supplies.
//
// A [Key] is 32 random bytes, usually given as base64 text ([ParseKey],
// [GenerateKey]). Its ID is a short fingerprint of the key, so nothing but
// the key itself has to be configured, and the ID names the key in errors
// without revealing it. A [Keyring] holds the current key, which seals
// every new value, and any previous keys, which still open values sealed
// before a rotation.
//
// A sealed value is text: "seal:v1:<key id>:<base64 of nonce and
// ciphertext>", AES-256-GCM. The key id and a context string chosen by the
// store (such as the recipe a webhook secret belongs to) are authenticated
// with the ciphertext, so a sealed value copied to another record does not
// open.
//
// Rotating a key: supply the new key as the current key and the old one as
// a previous key; stores re-seal what they hold with the current key when
// they open or next read it ([Keyring.NeedsReseal]). Once every store has
// been opened with the new keyring, drop the previous key.
//
// Package seal depends on the standard library only and never reads the
// environment: programs do (the examples read RECIPEKIT_SECRET_KEY).
package seal
