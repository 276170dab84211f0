package jobsearch

import "testing"

func TestTextFoldsASCIIOnly(t *testing.T) {
	if got, want := Text("Disk FULL", "EV-1", "Job-É"), "disk full ev-1 job-É"; got != want {
		t.Errorf("Text = %q, want %q (ASCII lower-cased, other letters as they are)", got, want)
	}
}
