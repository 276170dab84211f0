// Package jsonstr writes JSON strings exactly as encoding/json does, for
// the encoders that write JSON by hand on hot paths (the connector's
// request bodies, the simulator's answers) instead of through
// encoding/json's reflection.
package jsonstr
