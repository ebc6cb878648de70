package wire

import (
	"os"
	"strings"
	"testing"
)

// Every name a Kind derives must be one the spec uses, so client, provider and server cannot drift from it.
func TestKindNamesAreTheSpecs(t *testing.T) {
	spec, err := os.ReadFile("testdata/spec/api.md")
	if err != nil {
		t.Fatal(err)
	}
	want := map[Kind][]string{
		KindStorage: {"storageconnections", "/imodels/storageconnections/{cid}/run` (singular)", "StorageConnectionNotFound",
			"StorageConnectionRunNotFound", "StorageConnectionSourceFileNotFound", "InvalidStorageConnectionRequest",
			"InvalidStorageConnectionSourceFileRequest"},
		KindManifest: {"manifestconnections", "/imodels/manifestconnections/{cid}/runs`", "ManifestConnectionNotFound",
			"ManifestConnectionRunNotFound", "ManifestConnectionSourceFileNotFound", "InvalidManifestConnectionRequest",
			"InvalidManifestConnectionSourceFileRequest"},
	}
	for _, k := range Kinds {
		got := []string{k.Segment(), "/imodels/" + k.Segment() + "/{cid}/" + k.RunStartSegment() + "`", k.NotFoundCode(),
			k.RunNotFoundCode(), k.SourceFileNotFoundCode(), k.InvalidRequestCode(), k.InvalidSourceFileRequestCode()}
		for i, g := range got {
			if !strings.HasPrefix(want[k][i], g) {
				t.Errorf("%s: derived %q, want %q", k, g, want[k][i])
			}
			if !strings.Contains(string(spec), want[k][i]) {
				t.Errorf("%s: %q does not occur in the spec", k, want[k][i])
			}
		}
		if k.Other() == k || k.Other().Other() != k {
			t.Errorf("%s: Other() = %s", k, k.Other())
		}
		if k.CollectionPath() != "/synchronization/imodels/"+k.Segment() || k.Noun() != string(k)+" connection" {
			t.Errorf("%s: path %q, noun %q", k, k.CollectionPath(), k.Noun())
		}
	}
}
