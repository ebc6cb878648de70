package itwin

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// onlyReader hides Seek, like a pipe or an HTTP body.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func uploadServer(t *testing.T, putHandler http.HandlerFunc, completeHost string) *fakeAPI {
	f := newFakeAPI(t)
	links := func() map[string]any {
		host := f.srv.URL
		if completeHost != "" {
			host = completeHost
		}
		return map[string]any{"_links": map[string]any{
			"uploadUrl":   map[string]any{"href": f.srv.URL + "/blobs/upload/" + tFile + "?sv=2024&se=2030-01-01&sp=cw&sig=SIGVALUE"},
			"completeUrl": map[string]any{"href": host + "/storage/files/" + tFile + "/complete"},
		}}
	}
	f.handle("POST /storage/folders/"+tFold+"/files", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 202, links()) })
	f.handle("POST /storage/files/"+tFile+"/updatecontent", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 202, links()) })
	if putHandler == nil {
		putHandler = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) }
	}
	f.handle("PUT /blobs/upload/"+tFile, putHandler)
	f.reply("POST /storage/files/"+tFile+"/complete", 200, fileBody)
	return f
}

func TestUploadFileFlow(t *testing.T) {
	content := []byte("IFC-STEP;\nDATA;\n#1=IFCWALL('abc');\nENDSEC;\n")
	for name, reader := range map[string]func() io.Reader{
		"seekable": func() io.Reader { return bytes.NewReader(content) },
		"stream":   func() io.Reader { return onlyReader{bytes.NewReader(content)} },
	} {
		t.Run(name, func(t *testing.T) {
			f := uploadServer(t, nil, "")
			file, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "wall.ifc", Description: "walls"}, reader(), int64(len(content)))
			if err != nil {
				t.Fatal(err)
			}
			if file.ID != tFile {
				t.Errorf("file = %+v", file)
			}
			reqs := f.requests()
			if len(reqs) != 3 {
				t.Fatalf("requests = %+v", reqs)
			}
			create, put, complete := reqs[0], reqs[1], reqs[2]
			if create.Method != "POST" || create.Path != "/storage/folders/"+tFold+"/files" {
				t.Errorf("create = %s %s", create.Method, create.Path)
			}
			jsonEqual(t, create.Body, `{"displayName":"wall.ifc","description":"walls"}`)
			if put.Method != "PUT" || put.Path != "/blobs/upload/"+tFile || !strings.Contains(put.RawQuery, "sig=SIGVALUE") {
				t.Errorf("put = %s %s?%s", put.Method, put.Path, put.RawQuery)
			}
			if h := put.Header.Get("Authorization"); h != "" {
				t.Errorf("Authorization sent to the pre-signed URL: %q", h)
			}
			if put.Header.Get("X-Ms-Blob-Type") != "BlockBlob" {
				t.Errorf("x-ms-blob-type = %q", put.Header.Get("X-Ms-Blob-Type"))
			}
			if put.ContentLength != int64(len(content)) || len(put.TransferEncoding) != 0 {
				t.Errorf("Content-Length = %d, Transfer-Encoding = %v", put.ContentLength, put.TransferEncoding)
			}
			if !bytes.Equal(put.Body, content) {
				t.Errorf("uploaded %q", put.Body)
			}
			if put.Header.Get("Accept") == acceptV1 {
				t.Error("the platform Accept header was sent to the blob store")
			}
			if complete.Method != "POST" || complete.Path != "/storage/files/"+tFile+"/complete" || complete.Header.Get("Authorization") != "Bearer test-access-token" {
				t.Errorf("complete = %s %s auth=%q", complete.Method, complete.Path, complete.Header.Get("Authorization"))
			}
			if len(complete.Body) != 0 || complete.Header.Get("Content-Type") != "" {
				t.Errorf("complete must have no body")
			}
		})
	}
}

func TestUploadRetriesOnlySeekableContent(t *testing.T) {
	content := []byte("0123456789")
	f := uploadServer(t, failFirst(1, status(500), func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) }), "")
	if _, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a.dgn"}, bytes.NewReader(content), 10); err != nil {
		t.Fatal(err)
	}
	var puts []recorded
	for _, r := range f.requests() {
		if r.Method == "PUT" {
			puts = append(puts, r)
		}
	}
	if len(puts) != 2 || !bytes.Equal(puts[1].Body, content) {
		t.Fatalf("seekable content: %d PUTs, last body %q", len(puts), puts[len(puts)-1].Body)
	}

	f = uploadServer(t, status(500), "")
	_, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a.dgn"}, onlyReader{bytes.NewReader(content)}, 10)
	if !IsStatus(err, 500) || !strings.Contains(err.Error(), "uploading the file content") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "SIGVALUE") {
		t.Errorf("error leaks the pre-signed query: %v", err)
	}
	if n := f.count("PUT", "/blobs/upload/"+tFile); n != 1 {
		t.Errorf("a stream was sent %d times", n)
	}
	if f.count("POST", "/storage/files/"+tFile+"/complete") != 0 {
		t.Error("complete called after a failed upload")
	}
}

func TestUpdateFileContentAndForeignCompleteURL(t *testing.T) {
	// completeUrl on another host: the client re-roots it on the API origin, so the token stays home.
	f := uploadServer(t, nil, "https://elsewhere.example.test")
	file, err := f.client().UpdateFileContent(t.Context(), tFile, strings.NewReader("abc"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if file.ID != tFile {
		t.Errorf("file = %+v", file)
	}
	want := []string{"POST /storage/files/" + tFile + "/updatecontent", "PUT /blobs/upload/" + tFile, "POST /storage/files/" + tFile + "/complete"}
	reqs := f.requests()
	for i, w := range want {
		if i >= len(reqs) || reqs[i].Method+" "+reqs[i].Path != w {
			t.Fatalf("requests = %+v, want %v", reqs, want)
		}
	}
}

func TestUploadEmptyAndMissingLinks(t *testing.T) {
	f := uploadServer(t, nil, "")
	if _, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "empty.txt"}, strings.NewReader(""), 0); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.requests() {
		if r.Method == "PUT" && (r.ContentLength != 0 || len(r.Body) != 0) {
			t.Errorf("empty upload sent %d bytes", len(r.Body))
		}
	}
	f2 := newFakeAPI(t)
	f2.reply("POST /storage/folders/"+tFold+"/files", 202, map[string]any{"_links": map[string]any{}})
	if _, err := f2.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a"}, strings.NewReader("x"), 1); err == nil || !strings.Contains(err.Error(), "uploadUrl") {
		t.Errorf("err = %v", err)
	}
	f3 := newFakeAPI(t)
	f3.reply("GET /storage/", 200, map[string]any{"items": []any{}, "_links": map[string]any{}})
	if _, err := f3.client().GetRootFolderID(t.Context(), tTW); err == nil {
		t.Error("GetRootFolderID without _links.folder must fail")
	}
}

func TestMalformedUploadURLDoesNotLeak(t *testing.T) {
	f := newFakeAPI(t)
	f.reply("POST /storage/folders/"+tFold+"/files", 202, map[string]any{"_links": map[string]any{
		"uploadUrl":   map[string]any{"href": "https://bad host/blob?sv=1&sig=LEAKYSIG"},
		"completeUrl": map[string]any{"href": f.srv.URL + "/storage/files/" + tFile + "/complete"},
	}})
	_, err := f.client().UploadFile(t.Context(), tFold, wire.StorageItemCreate{DisplayName: "a"}, strings.NewReader("x"), 1)
	if err == nil || strings.Contains(err.Error(), "LEAKYSIG") {
		t.Fatalf("err = %v", err)
	}
	if _, err := f.client().nextRequest("/x", "/x", nil, "https://bad host/?sig=LEAKYSIG"); err == nil || strings.Contains(err.Error(), "LEAKYSIG") {
		t.Fatalf("next link err = %v", err)
	}
}
