package engine_test

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/engine"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// BenchmarkSyncIFC50MB measures whole runs (engine, connector, element store, changesets) over a generated
// 50 MB IFC file through the HTTP API:
//
//   - first-sync: a new iModel and connection each iteration, every element inserted;
//   - unchanged: a re-run of a synchronized file (the content-hash check skips parsing);
//   - change-1pct: about 1 % of the elements renamed (alternating with the original, so every iteration
//     changes the same number of elements).
//
// Besides ns/op and MB/s it reports peak-heap-MB (the highest HeapInuse sampled during the runs, above the
// heap before them) and elements/changed per run. Run: go test -bench . -benchtime 1x ./internal/itwinlocal/engine/
func BenchmarkSyncIFC50MB(b *testing.B) {
	const size = 50 << 20
	var orig, mod bytes.Buffer
	if err := connector.GenerateIFC(&orig, size, 1); err != nil {
		b.Fatal(err)
	}
	changed, err := connector.ModifyIFCFraction(bytes.NewReader(orig.Bytes()), &mod, 0.01, 7)
	if err != nil {
		b.Fatal(err)
	}
	f := start(b, engine.Options{})
	fid := f.in.UploadFile(b, "", "big.ifc", orig.Bytes())
	var synced string // a connection whose last run synchronized orig
	contents := [][]byte{mod.Bytes(), orig.Bytes()}
	counter := 0

	measure := func(b *testing.B, prepare func() string, check func(run wire.Run, cid string)) {
		b.SetBytes(int64(orig.Len()))
		b.ReportAllocs()
		var peak uint64
		for range b.N {
			b.StopTimer()
			cid := prepare()
			runtime.GC()
			stop := sampleHeap(&peak)
			b.StartTimer()
			run := f.sync(b, cid)
			b.StopTimer()
			stop()
			check(run, cid)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
	b.Run("first-sync", func(b *testing.B) {
		measure(b, func() string {
			counter++
			im := f.newIModel(b, fmt.Sprintf("bench-%d", counter))
			synced = f.newConn(b, im, "Service", sfile{fid, "IFC"})
			return synced
		}, func(run wire.Run, cid string) {
			cs := f.changesets(b, imodelOf(b, f, cid))
			if run.Result != wire.ResultSuccess || len(cs) != 1 {
				b.Fatalf("first sync: %s", mustJSON(run))
			}
			b.ReportMetric(float64(f.elementCount(b, imodelOf(b, f, cid))), "elements")
		})
	})
	b.Run("unchanged", func(b *testing.B) {
		measure(b, func() string { return synced }, func(run wire.Run, cid string) {
			if run.Result != wire.ResultSuccess || len(f.changesets(b, imodelOf(b, f, cid))) != 1 {
				b.Fatalf("unchanged re-run pushed a changeset: %s", mustJSON(run))
			}
		})
	})
	b.Run("change-1pct", func(b *testing.B) {
		i := 0
		measure(b, func() string {
			f.updateFile(b, fid, contents[i%2])
			i++
			return synced
		}, func(run wire.Run, cid string) {
			cs := f.changesets(b, imodelOf(b, f, cid))
			want := fmt.Sprintf("Synchronized big.ifc: +0 ~%d -0 elements", changed)
			if run.Result != wire.ResultSuccess || cs[len(cs)-1].Description != want {
				b.Fatalf("1%% change: want %q, got %q", want, cs[len(cs)-1].Description)
			}
			b.ReportMetric(float64(changed), "changed")
		})
	})
}

// imodelOf is the iModel of a connection.
func imodelOf(b testing.TB, f *fixture, cid string) string {
	var env wire.ConnectionEnvelope
	f.in.Do(b, "GET", sc+"/"+cid, nil).JSON(b, &env)
	return env.Connection.IModelID
}

// sampleHeap records the highest HeapInuse above the current one every 10 ms until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base && m.HeapInuse-base > *peak {
				*peak = m.HeapInuse - base
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); wg.Wait() }
}
