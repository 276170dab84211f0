package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

func TestLeaseIsHeldByOneOwnerUntilItExpiresOrIsReleased(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	ok, err := s.AcquireLease(ctx, "poll:r", "a", time.Hour)
	if err != nil || !ok {
		t.Fatalf("a's first acquire = %v, %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "poll:r", "b", time.Hour); err != nil || ok {
		t.Fatalf("b acquired a held lease: %v, %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "poll:r", "a", time.Hour); err != nil || !ok {
		t.Fatalf("a could not renew its lease: %v, %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "poll:other", "b", time.Hour); err != nil || !ok {
		t.Fatalf("leases are per name: %v, %v", ok, err)
	}
	// b releasing a's lease changes nothing; a releasing it frees it.
	if err := s.ReleaseLease(ctx, "poll:r", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcquireLease(ctx, "poll:r", "b", time.Hour); ok {
		t.Fatal("b took a's lease after releasing a lease it did not hold")
	}
	if err := s.ReleaseLease(ctx, "poll:r", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireLease(ctx, "poll:r", "b", 50*time.Millisecond); err != nil || !ok {
		t.Fatalf("b could not take a released lease: %v, %v", ok, err)
	}
	// An expired lease is free for anyone.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := s.AcquireLease(ctx, "poll:r", "a", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a never took b's expired lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func acceptN(t *testing.T, s recipe.Store, name string, n int) {
	t.Helper()
	jobs := make([]recipe.Job, n)
	for i := range jobs {
		jobs[i] = recipe.Job{ID: fmt.Sprintf("%s-j%03d", name, i), Recipe: name, Event: recipe.EventRecord{ID: fmt.Sprintf("e%d", i)}, Status: recipe.JobPending, Created: time.Now()}
	}
	if _, err := s.Accept(context.Background(), recipe.Batch{Recipe: name, Jobs: jobs, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func jobIDs(jobs []recipe.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func TestClaimJobsLeasesEachJobToOneOwner(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	acceptN(t, s, "r", 5)
	if err := s.SaveSteps(ctx, "r-j000", []recipe.StepRecord{{Seq: 0, Name: "a", Output: []byte(`1`), Attempts: 1}}); err != nil {
		t.Fatal(err)
	}
	a, err := s.ClaimJobs(ctx, recipe.JobClaim{Recipe: "r", Owner: "a", Max: 2, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(jobIDs(a)); got != "[r-j000 r-j001]" {
		t.Fatalf("a claimed %s", got)
	}
	if len(a[0].Steps) != 1 || string(a[0].Steps[0].Output) != "1" {
		t.Errorf("a claimed job comes without its checkpoints: %+v", a[0].Steps)
	}
	b, err := s.ClaimJobs(ctx, recipe.JobClaim{Recipe: "r", Owner: "b", Max: 10, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(jobIDs(b)); got != "[r-j002 r-j003 r-j004]" {
		t.Fatalf("b claimed %s", got)
	}
	if more, _ := s.ClaimJobs(ctx, recipe.JobClaim{Recipe: "r", Owner: "c", Max: 10, TTL: time.Hour}); len(more) != 0 {
		t.Fatalf("c claimed leased jobs %v", jobIDs(more))
	}
	// A finished job is never claimed; a released one is at once.
	if err := s.FinishJob(ctx, "r-j000", recipe.JobResult{Status: recipe.JobSucceeded, Finished: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseJobs(ctx, "a", []string{"r-j000", "r-j001"}); err != nil {
		t.Fatal(err)
	}
	c, err := s.ClaimJobs(ctx, recipe.JobClaim{Recipe: "r", Owner: "c", Max: 10, TTL: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(jobIDs(c)); got != "[r-j001]" {
		t.Fatalf("c claimed %s after a released", got)
	}
	// b renews its leases; c's lease expires and b loses nothing.
	lost, err := s.RenewJobs(ctx, "b", []string{"r-j002", "r-j003", "r-j004"}, time.Hour)
	if err != nil || len(lost) != 0 {
		t.Fatalf("b's renewal = %v, %v", lost, err)
	}
	var d []recipe.Job
	deadline := time.Now().Add(30 * time.Second)
	for len(d) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("c's expired lease was never claimable")
		}
		time.Sleep(20 * time.Millisecond)
		if d, err = s.ClaimJobs(ctx, recipe.JobClaim{Recipe: "r", Owner: "d", Max: 10, TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(jobIDs(d)); got != "[r-j001]" {
		t.Fatalf("d claimed %s", got)
	}
	lost, err = s.RenewJobs(ctx, "c", []string{"r-j001"}, time.Hour)
	if err != nil || fmt.Sprint(lost) != "[r-j001]" {
		t.Fatalf("c's renewal of a job d took over = %v, %v; want it reported lost", lost, err)
	}
}

func TestClaimInOrderRunsOneJobAtATimeOldestFirst(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	acceptN(t, s, "r", 3)
	claim := func(owner string) []string {
		t.Helper()
		jobs, err := s.ClaimJobs(ctx, recipe.JobClaim{Recipe: "r", Owner: owner, Max: 5, InOrder: true, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return jobIDs(jobs)
	}
	if got := claim("a"); !slices.Equal(got, []string{"r-j000"}) {
		t.Fatalf("a claimed %v", got)
	}
	if got := claim("b"); len(got) != 0 {
		t.Fatalf("b claimed %v while the oldest job is leased", got)
	}
	if err := s.FinishJob(ctx, "r-j000", recipe.JobResult{Status: recipe.JobSucceeded, Finished: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	if got := claim("b"); !slices.Equal(got, []string{"r-j001"}) {
		t.Fatalf("b claimed %v after the first finished", got)
	}
}

func TestLeaveTellsTheLastMember(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for _, m := range []string{"a", "b", "c"} {
		if err := s.Join(ctx, "recipe:r", m, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// A member that stopped renewing: its membership has expired.
	if err := s.Join(ctx, "recipe:r", "dead", -time.Hour); err != nil {
		t.Fatal(err)
	}
	results := make(chan int, 3)
	for _, m := range []string{"a", "b", "c"} {
		go func() {
			n, err := s.Leave(ctx, "recipe:r", m)
			if err != nil {
				t.Error(err)
			}
			results <- n
		}()
	}
	var got []int
	for range 3 {
		got = append(got, <-results)
	}
	slices.Sort(got)
	if fmt.Sprint(got) != "[0 1 2]" {
		t.Fatalf("members left after each Leave = %v, want [0 1 2]: exactly one leaver is last and expired members do not count", got)
	}
}
