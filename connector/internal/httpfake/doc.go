// Package httpfake builds the canned HTTP answers that the connectors'
// tests hand to the code reading a server's responses: a status, a body
// and headers answering a given request, without a server behind them.
package httpfake
