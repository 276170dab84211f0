// Package connector defines what a connector is (a named connection to a
// remote system that can prove it works and lists its triggers and actions)
// and a Registry that holds connectors by name.
//
// Registration is explicit: nothing registers itself from an init function.
package connector
