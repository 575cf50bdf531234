package plugin

import "flag"

// updateGolden rewrites the golden files: go test ./pkg/plugin -update.
var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/golden")
