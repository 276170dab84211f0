// Package webhooksign holds what every connector that receives or registers
// webhooks shares: the X-Hub-Signature HMAC-SHA256 body signature (signing
// and constant-time checking) and the generation of webhook secrets. It
// lets the connectors share them without importing one another.
package webhooksign
