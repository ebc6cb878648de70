package itwinlocal_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// collectLinks returns every href under a "_links" object of the JSON value, keyed "path of the link" → href.
// Null links are skipped: they name nothing.
func collectLinks(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "_links" {
				if links, ok := val.(map[string]any); ok {
					for name, l := range links {
						if m, ok := l.(map[string]any); ok {
							if href, ok := m["href"].(string); ok {
								out[path+"._links."+name] = href
							}
						}
					}
				}
				continue
			}
			collectLinks(val, path+"."+k, out)
		}
	case []any:
		for _, val := range x {
			collectLinks(val, path+"[]", out)
		}
	}
}

// TestEveryEmittedLinkAnswers walks the _links of the iModel, changeset, named version, Storage file and folder,
// connection, source file and run answers (and their lists, with paging links) and GETs every href: each must be
// absolute on the server's origin and answer 200 (spec §10 row 19).
func TestEveryEmittedLinkAnswers(t *testing.T) {
	in := start(t)
	cid, fid := newStorageConn(t, in, "a.dgn")
	newStorageConn(t, in, "b.dgn")
	rid := startRun(t, in, cid)
	mcid := newManifestConn(t, in, in.IModelID, "dms-1")
	r := in.Do(t, "POST", "/storage/folders/"+in.RootFolderID+"/folders", map[string]string{"displayName": "sub"})
	expectStatus(t, r, 201)
	var folder wire.StorageFolderEnvelope
	r.JSON(t, &folder)
	in.UploadFile(t, folder.Folder.ID, "c.dgn", []byte("c"))
	appendChangesets(t, in, in.IModelID, 3)
	v, _ := createVersion(t, in, in.IModelID, map[string]any{"name": "v1", "changesetIndex": 2})
	newIModel(t, in, "second") // so that the iModel list has a next page

	im := "/imodels/" + in.IModelID
	sc := "/synchronization/imodels/storageconnections"
	pages := []string{
		"/itwins/" + in.ITwinID, "/itwins?$top=1",
		im, "/imodels?iTwinId=" + in.ITwinID + "&$top=1",
		im + "/changesets/2", im + "/changesets?$top=2&$skip=1", im + "/namedversions/" + v.ID, im + "/namedversions",
		"/storage/files/" + fid, "/storage/folders/" + folder.Folder.ID, "/storage/folders/" + in.RootFolderID + "/list?$top=1",
		"/storage/folders/" + in.RootFolderID + "/files", "/storage/folders/" + in.RootFolderID + "/folders", "/storage?iTwinId=" + in.ITwinID,
		sc + "/" + cid, sc + "?imodelId=" + in.IModelID + "&$top=1", "/synchronization/imodels/manifestconnections/" + mcid,
		"/synchronization/imodels/connections?imodelId=" + in.IModelID, sc + "/" + cid + "/runs", sc + "/" + cid + "/runs/" + rid,
		sc + "/" + cid + "/sourcefiles",
	}
	links := map[string]string{}
	for _, p := range pages {
		for _, hdr := range [][]string{nil, {"Prefer", "return=representation"}} {
			r := in.Do(t, "GET", p, nil, hdr...)
			expectStatus(t, r, 200)
			var v any
			if err := json.Unmarshal(r.Body, &v); err != nil {
				t.Fatal(err)
			}
			collectLinks(v, p, links)
		}
	}
	seen := map[string]bool{}
	var keys []string
	for k := range links {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		href := links[k]
		name := k[strings.LastIndex(k, ".")+1:]
		if name == "file" && strings.Contains(k, "sourcefiles") {
			// A source file's _links.file is informational and names no Storage route (spec §3.3).
			continue
		}
		seen[name] = true
		if !strings.HasPrefix(href, in.URL+"/") {
			t.Errorf("%s: %q is not absolute on the server's origin", k, href)
			continue
		}
		if r := in.Do(t, "GET", href[len(in.URL):], nil); r.Status != 200 {
			t.Errorf("%s: GET %s → %d %s", k, href, r.Status, r.Body)
		}
	}
	for _, want := range []string{"self", "prev", "next", "creator", "changesets", "namedVersions", "namedVersion", "changeset",
		"createdBy", "lastModifiedBy", "parentFolder", "folder", "iModel", "iTwin", "lastRun"} {
		if !seen[want] {
			t.Errorf("no %q link was checked", want)
		}
	}
	if len(links) < 60 {
		t.Errorf("only %d links checked", len(links))
	}
}
