// Package sealtest helps tests of code that seals secrets at rest (token
// stores, recipe stores): fresh keys and keyrings that fail the test
// instead of returning errors, and the raw bytes of a folder to check that
// no secret lies there in clear.
package sealtest
