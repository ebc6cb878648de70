package main

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// smallIFC is a small valid IFC file (the generator's first storey), distinct per seed.
func smallIFC(seed int64) []byte {
	var b bytes.Buffer
	if err := connector.GenerateIFC(&b, 1, seed); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func upload(ctx context.Context, c *itwin.Client, folderID, name string, content []byte) (string, error) {
	f, err := c.UploadFile(ctx, folderID, wire.StorageItemCreate{DisplayName: name}, bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return "", fmt.Errorf("uploading %s: %w", name, err)
	}
	return f.ID, nil
}

func newIModel(ctx context.Context, c *itwin.Client, itwinID, name string) (string, error) {
	im, err := c.CreateIModel(ctx, wire.IModelCreate{ITwinID: itwinID, Name: name})
	if err != nil {
		return "", fmt.Errorf("creating iModel %s: %w", name, err)
	}
	return im.ID, nil
}

// newConnection creates a Service storage connection with the files (connector IFC unless the name says otherwise).
func newConnection(ctx context.Context, c *itwin.Client, imodelID, name string, fileIDs ...string) (string, error) {
	body := itwin.ConnectionCreate{IModelID: imodelID, DisplayName: name, AuthenticationType: wire.AuthenticationTypeService}
	for _, id := range fileIDs {
		body.SourceFiles = append(body.SourceFiles, itwin.SourceFile{Key: id, ConnectorType: "IFC"})
	}
	conn, err := c.Connections(wire.KindStorage).Create(ctx, body)
	if err != nil {
		return "", fmt.Errorf("creating connection %s: %w", name, err)
	}
	return conn.ID, nil
}

func startRun(ctx context.Context, c *itwin.Client, connID string) (string, error) {
	r, err := c.Connections(wire.KindStorage).StartRun(ctx, connID, nil)
	if err != nil {
		return "", fmt.Errorf("starting a run: %w", err)
	}
	if r.Active {
		return "", fmt.Errorf("connection %s already had the active run %s", connID, r.RunID)
	}
	return r.RunID, nil
}

// pollRun polls every 50 ms until the run is Completed (for setup steps, not measurements).
func pollRun(ctx context.Context, c *itwin.Client, connID, runID string, timeout time.Duration) (*wire.Run, error) {
	deadline := time.Now().Add(timeout)
	for {
		r, err := c.Connections(wire.KindStorage).GetRun(ctx, connID, runID)
		if err != nil {
			return nil, err
		}
		if r.State == wire.StateCompleted {
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("run %s not completed after %s (state %s, phase %s)", runID, timeout, r.State, r.Phase)
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
