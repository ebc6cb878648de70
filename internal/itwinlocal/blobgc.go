package itwinlocal

// The blob collector's schedule; what it may remove is decided in store_blobs.go.

import (
	"context"
	"sync"
	"time"
)

// Defaults of Config.BlobGCInterval and Config.BlobGCGrace. The grace covers the moment between reading a file's
// row and opening its blob (milliseconds) and between writing an upload's blob and committing its row, with a
// wide margin; an unreferenced blob is gone within grace + interval.
const (
	defaultBlobGCInterval = 30 * time.Second
	defaultBlobGCGrace    = time.Minute
)

type blobCollector struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startBlobGC sweeps the blob store every interval until stop. interval < 0 disables it.
func (s *Server) startBlobGC() *blobCollector {
	interval, grace := s.cfg.BlobGCInterval, s.cfg.BlobGCGrace
	if interval == 0 {
		interval = defaultBlobGCInterval
	}
	if grace <= 0 {
		grace = defaultBlobGCGrace
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &blobCollector{cancel: cancel}
	if interval < 0 {
		return c
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			sw, err := s.store.CollectBlobs(ctx, grace)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Warn("blob collection failed", "err", err)
			case sw.Removed > 0:
				s.log.Info("removed unreferenced blobs", "removed", sw.Removed, "freed_bytes", sw.FreedBytes, "blobs", sw.Blobs-sw.Removed)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return c
}

func (c *blobCollector) stop() {
	c.cancel()
	c.wg.Wait()
}

// finalBlobSweep removes every unreferenced blob when the server stops with nothing in flight: the engine is
// stopped and no request is being served, so no reader holds a row it has not opened yet and no upload is between
// its blob and its row. With a request still running (a shutdown that timed out) the grace rules stay.
func (s *Server) finalBlobSweep() {
	if s.cfg.BlobGCInterval < 0 || s.inflight.Load() != 0 {
		return
	}
	sw, err := s.store.CollectBlobs(context.Background(), 0)
	if err != nil {
		s.log.Warn("blob collection at shutdown failed", "err", err)
		return
	}
	if sw.Removed > 0 {
		s.log.Info("removed unreferenced blobs at shutdown", "removed", sw.Removed, "freed_bytes", sw.FreedBytes)
	}
}
