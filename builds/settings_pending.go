package builds

import "time"

// Settings is a repository's stored build configuration with what Berth
// generated for it. PENDING: builds-core defines it with builds.Service;
// this copy lets the pages compile until that branch is merged, and goes
// away in the merge.
type Settings struct {
	Config          Config
	HookSecret      Secret
	DeployKeyPublic string
	UpdatedAt       time.Time
}
