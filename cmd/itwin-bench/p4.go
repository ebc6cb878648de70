package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// P4: itwin-local synchronizing a generated 50 MB IFC file: first sync, unchanged re-run, 1 % of the elements
// renamed. Server time is the run's startDateTime → endDateTime; peak RSS is the itwin-local process's VmHWM,
// reset before each run.

type p4Step struct {
	Step            string  `json:"step"`
	ServerS         float64 `json:"server_s"`
	PeakRSSMiB      float64 `json:"peak_rss_mib"`
	PeakReset       bool    `json:"peak_reset_before_run"`
	BeforeMiB       float64 `json:"rss_before_run_mib"`
	Result          string  `json:"result"`
	Changesets      int     `json:"changesets_pushed"`
	ElementsRenamed int     `json:"elements_renamed,omitempty"`
}

type p4Result struct {
	FileMiB float64  `json:"file_mib"`
	Steps   []p4Step `json:"steps"`
	Speed   string   `json:"itwin_local_speed"`
}

const p4Bytes = 50 << 20

func benchP4(ctx context.Context, e *env, logf func(string, ...any)) (*p4Result, error) {
	dir := e.dir("p4")
	path := filepath.Join(dir, "big.ifc")
	if err := writeIFC(path, p4Bytes, 7); err != nil {
		return nil, err
	}
	fi, _ := os.Stat(path)
	res := &p4Result{FileMiB: float64(fi.Size()) / (1 << 20), Speed: "0.001 (lifecycle pauses ≈ 2 ms each)"}
	l, err := e.startLocal(ctx, dir+"/data", "--speed", "0.001")
	if err != nil {
		return nil, err
	}
	defer l.stop()
	c, err := l.client(ctx)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	sf, err := c.UploadFile(ctx, l.RootFolderID, wire.StorageItemCreate{DisplayName: "big.ifc"}, f, fi.Size())
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("uploading the 50 MB IFC: %w", err)
	}
	conn, err := newConnection(ctx, c, l.IModelID, "p4", sf.ID)
	if err != nil {
		return nil, err
	}
	run := func(step string) (*p4Step, error) {
		reset := resetPeakRSS(l.pid()) == nil
		rss, err := procStatus(l.pid(), "VmRSS")
		if err != nil {
			return nil, err
		}
		before, err := c.ListChangesets(ctx, l.IModelID)
		if err != nil {
			return nil, err
		}
		id, err := startRun(ctx, c, conn)
		if err != nil {
			return nil, err
		}
		r, err := pollRun(ctx, c, conn, id, 5*time.Minute)
		if err != nil {
			return nil, err
		}
		hwm, err := procStatus(l.pid(), "VmHWM")
		if err != nil {
			return nil, err
		}
		after, err := c.ListChangesets(ctx, l.IModelID)
		if err != nil {
			return nil, err
		}
		s := &p4Step{Step: step, ServerS: r.EndDateTime.Sub(r.StartDateTime.Time).Seconds(), PeakRSSMiB: float64(hwm) / 1024,
			PeakReset: reset, BeforeMiB: float64(rss) / 1024, Result: r.Result, Changesets: len(after) - len(before)}
		logf("P4 %s: %.2fs server, peak RSS %.0f MiB, %s, %d changesets", step, s.ServerS, s.PeakRSSMiB, s.Result, s.Changesets)
		return s, nil
	}
	first, err := run("first sync")
	if err != nil {
		return nil, err
	}
	again, err := run("unchanged re-run")
	if err != nil {
		return nil, err
	}
	mod := filepath.Join(dir, "big-1pct.ifc")
	n, err := modifyIFC(path, mod, 0.01)
	if err != nil {
		return nil, err
	}
	mf, err := os.Open(mod)
	if err != nil {
		return nil, err
	}
	mi, _ := mf.Stat()
	_, err = c.UpdateFileContent(ctx, sf.ID, mf, mi.Size())
	mf.Close()
	if err != nil {
		return nil, err
	}
	changed, err := run("1 % changed")
	if err != nil {
		return nil, err
	}
	changed.ElementsRenamed = n
	res.Steps = []p4Step{*first, *again, *changed}
	return res, nil
}

func writeIFC(path string, size int64, seed int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := connector.GenerateIFC(w, size, seed); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func modifyIFC(src, dst string, fraction float64) (int, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	n, err := connector.ModifyIFCFraction(bufio.NewReaderSize(in, 1<<20), w, fraction, 3)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
