// Package tztest gives tests named time zones (Europe/Paris,
// America/New_York) from the zone database built into the test binary
// (time/tzdata), so that schedule tests give the same answers on a machine
// without /usr/share/zoneinfo.
package tztest
