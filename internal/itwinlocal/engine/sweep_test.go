package engine_test

import (
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// lossyExecutor drops every Submit, as if the server crashed or failed between committing a run and handing
// it to the engine.
type lossyExecutor struct{ *engine.Engine }

func (lossyExecutor) Submit(string) {}

// A run whose Submit never reached the engine is still executed: the sweep finds it among the active runs.
func TestSweepPicksUpLostSubmits(t *testing.T) {
	f := &fixture{}
	f.in = itwinlocaltest.Start(t, itwinlocaltest.WithExecutor(func(s *itwinlocal.Server) itwinlocal.RunExecutor {
		f.eng = engine.MustNew(s, engine.Options{Speed: 0.001, SweepInterval: 20 * time.Millisecond})
		return lossyExecutor{f.eng}
	}))
	fileID := f.in.UploadFile(t, f.in.RootFolderID, "walls.ifc", ifcDoc(walls(1, 3)...))
	cid := f.newConn(t, f.in.IModelID, wire.AuthenticationTypeService, sfile{fileID, "IFC"})

	run := f.wait(t, sc, cid, f.startRun(t, cid))
	if run.Result != wire.ResultSuccess {
		t.Fatalf("result %s, want Success (run %+v)", run.Result, run)
	}
	if got := len(f.changesets(t, f.in.IModelID)); got != 1 {
		t.Fatalf("%d changesets, want 1", got)
	}
}

// Without the sweep (an interval longer than the test), the same lost Submit leaves the run NotStarted: this is
// the control that shows the test above depends on the sweep.
func TestLostSubmitWithoutSweepStaysNotStarted(t *testing.T) {
	f := &fixture{}
	f.in = itwinlocaltest.Start(t, itwinlocaltest.WithExecutor(func(s *itwinlocal.Server) itwinlocal.RunExecutor {
		f.eng = engine.MustNew(s, engine.Options{Speed: 0.001, SweepInterval: time.Hour})
		return lossyExecutor{f.eng}
	}))
	fileID := f.in.UploadFile(t, f.in.RootFolderID, "walls.ifc", ifcDoc(walls(1, 3)...))
	cid := f.newConn(t, f.in.IModelID, wire.AuthenticationTypeService, sfile{fileID, "IFC"})
	rid := f.startRun(t, cid)
	time.Sleep(100 * time.Millisecond) // generous: a run at this speed completes in a few milliseconds
	if run := f.getRun(t, sc, cid, rid); run.State != wire.StateNotStarted {
		t.Fatalf("state %s, want NotStarted (nothing should have executed the run)", run.State)
	}
}
