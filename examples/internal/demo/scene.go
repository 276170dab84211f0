package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recipekit/recipekit/internal/ctxwait"
	"github.com/recipekit/recipekit/recipe"
)

// Beat is one moment of an offline scene: simulated people doing
// something, or a wait for the recipes to answer.
type Beat struct {
	// After is the pause before the beat, in real time.
	After time.Duration
	// Do performs the beat and returns what happened, for the output
	// ("Alice files DEMO-6 \"Checkout button does nothing\""); an empty
	// description prints nothing.
	Do func(ctx context.Context) (string, error)
	// Until, set instead of Do, lets the recipes work until it holds
	// (an issue is commented, a ticket closed). What describes it for the
	// error when it never does.
	Until func() bool
	What  string
}

// Scene is an example's offline story.
type Scene struct {
	// Intro is printed before the scene plays; optional.
	Intro string
	// Beats are played in order.
	Beats []Beat
	// Show prints the systems' state at the end; optional.
	Show func(rep *Reporter)
}

// PlayOptions says how [Play] runs the engine.
type PlayOptions struct {
	// Once plays the scene with the engine stopped and lets it catch up
	// (RunOnce) at each Until beat and at the end, as -once does.
	// Otherwise the engine runs during the whole scene.
	Once bool
	// Fast plays the scene without pauses (tests).
	Fast bool
	// Run runs the engine until its context ends; default eng.Run. A
	// program serving webhooks passes recipe.Serve over its listener.
	Run func(ctx context.Context) error
}

// Play runs eng while the scene plays, then stops it, prints the summary
// of the jobs and the scene's final state. It returns the number of
// failed jobs. rep must be one of eng's hooks: the waits watch the jobs it
// sees finish. The whole scene must end within a minute.
func Play(parent context.Context, eng *recipe.Engine, rep *Reporter, sc Scene, opts PlayOptions) (failed int, err error) {
	ctx, cancel := context.WithTimeoutCause(parent, realTime, errors.New("the offline scene did not finish within a minute"))
	defer cancel()
	defer func() {
		if err != nil && parent.Err() != nil {
			// Interrupted (Ctrl-C): the engine has stopped gracefully; say
			// what was done.
			rep.Printf("Interrupted: the offline scene stops here.")
			rep.PrintSummary()
			failed, err = rep.Counts()[recipe.JobFailed], nil
		}
	}()
	if sc.Intro != "" {
		rep.Printf("%s", sc.Intro)
	}
	if opts.Once {
		settle := func(ctx context.Context, b Beat) error {
			if _, err := eng.RunOnce(ctx); err != nil {
				return err
			}
			if !b.Until() {
				return fmt.Errorf("after catching up, not yet: %s", b.What)
			}
			return nil
		}
		if err := playBeats(ctx, rep, sc.Beats, opts.Fast, settle); err != nil {
			return 0, err
		}
		if _, err := eng.RunOnce(ctx); err != nil {
			return 0, err
		}
	} else {
		// The engine runs until the scene is over; should it fail to
		// start, the scene stops waiting for it.
		runCtx, stopRun := context.WithCancel(ctx)
		sceneCtx, stopScene := context.WithCancelCause(ctx)
		done := make(chan error, 1)
		runEngine := opts.Run
		if runEngine == nil {
			runEngine = eng.Run
		}
		go func() {
			err := runEngine(runCtx)
			if err != nil {
				stopScene(err)
			}
			done <- err
		}()
		settle := func(ctx context.Context, b Beat) error { return rep.WaitFor(ctx, b.What, b.Until) }
		err := playBeats(sceneCtx, rep, sc.Beats, opts.Fast, settle)
		stopRun()
		if runErr := <-done; runErr != nil {
			return 0, runErr
		}
		stopScene(nil)
		if err != nil {
			return 0, err
		}
	}
	rep.PrintSummary()
	if sc.Show != nil {
		sc.Show(rep)
	}
	return rep.Counts()[recipe.JobFailed], nil
}

func playBeats(ctx context.Context, rep *Reporter, beats []Beat, fast bool, settle func(context.Context, Beat) error) error {
	for i, b := range beats {
		if !fast {
			if err := Pause(ctx, b.After); err != nil {
				return err
			}
		}
		if b.Until != nil {
			if err := settle(ctx, b); err != nil {
				return fmt.Errorf("offline scene, step %d: %w", i+1, err)
			}
			continue
		}
		what, err := b.Do(ctx)
		if err != nil {
			return fmt.Errorf("offline scene, step %d: %w", i+1, err)
		}
		if what != "" {
			rep.Printf("  · %s", what)
		}
	}
	return nil
}

// Pause waits d, or until ctx ends, returning its cause (a d of zero or
// less returns ctx's error at once). It paces the offline scenes for people
// watching, and a test's sped-up stand-in for the connector's waits;
// nothing waits on it for correctness.
func Pause(ctx context.Context, d time.Duration) error {
	err := ctxwait.Sleep(ctx, d)
	if err == nil || d <= 0 {
		return err
	}
	return context.Cause(ctx)
}
