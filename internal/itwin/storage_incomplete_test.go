package itwin

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// uploadServerWith is uploadServer with a chosen complete handler.
func uploadServerWith(t *testing.T, put, complete http.HandlerFunc) *fakeAPI {
	f := newFakeAPI(t)
	f.handle("POST /storage/folders/"+tFold+"/files", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 202, map[string]any{"_links": map[string]any{
			"uploadUrl":   map[string]any{"href": f.srv.URL + "/blobs/upload/" + tFile + "?sig=SIGVALUE"},
			"completeUrl": map[string]any{"href": f.srv.URL + "/storage/files/" + tFile + "/complete"},
		}})
	})
	f.handle("PUT /blobs/upload/"+tFile, put)
	f.handle("POST /storage/files/"+tFile+"/complete", complete)
	return f
}

func created(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) }

func completed(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, fileBody) }

// complete is a POST, but idempotent: a 5xx or a dropped connection is retried, unlike the create
// POST, which is never retried after a 5xx.
func TestUploadCompleteIsRetried(t *testing.T) {
	for name, fail := range map[string]http.HandlerFunc{"500": status(500), "hang-up": hangUp} {
		t.Run(name, func(t *testing.T) {
			f := uploadServerWith(t, created, failFirst(1, fail, completed))
			file, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a.dgn"}, bytes.NewReader([]byte("abc")), 3)
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			if file.ID != tFile {
				t.Errorf("file = %+v", file)
			}
			if n := f.count("POST", "/storage/files/"+tFile+"/complete"); n != 2 {
				t.Errorf("complete sent %d times, want 2", n)
			}
			if n := f.count("POST", "/storage/folders/"+tFold+"/files"); n != 1 {
				t.Errorf("create sent %d times, want 1", n)
			}
		})
	}
}

// A failed PUT or complete after the create POST reports the created file's id, so the caller can record it
// instead of leaving an orphan placeholder in the folder.
func TestUploadIncompleteReportsFileID(t *testing.T) {
	for name, srv := range map[string]func(*testing.T) *fakeAPI{
		"put fails":      func(t *testing.T) *fakeAPI { return uploadServerWith(t, status(403), completed) },
		"complete fails": func(t *testing.T) *fakeAPI { return uploadServerWith(t, created, status(500)) },
	} {
		t.Run(name, func(t *testing.T) {
			f := srv(t)
			_, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a.dgn"}, bytes.NewReader([]byte("abc")), 3)
			var inc *UploadIncompleteError
			if !errors.As(err, &inc) || inc.FileID != tFile {
				t.Fatalf("err = %#v, want *UploadIncompleteError for %s", err, tFile)
			}
			if _, ok := AsAPIError(err); !ok {
				t.Errorf("the API error must stay reachable through Unwrap: %v", err)
			}
			if bytes.Contains([]byte(err.Error()), []byte("SIGVALUE")) {
				t.Errorf("error leaks the pre-signed query: %v", err)
			}
		})
	}
	// A failure of the create POST itself created nothing: a plain error.
	f := newFakeAPI(t)
	f.handle("POST /storage/folders/"+tFold+"/files", status(422))
	_, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a.dgn"}, bytes.NewReader([]byte("abc")), 3)
	var inc *UploadIncompleteError
	if err == nil || errors.As(err, &inc) {
		t.Fatalf("err = %#v", err)
	}
}
