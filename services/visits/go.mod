module github.com/doudi-platform/doudi/services/visits

go 1.26.0

require (
	github.com/doudi-platform/doudi/services/platform v0.0.0
	github.com/google/uuid v1.6.0
)

replace github.com/doudi-platform/doudi/services/platform => ../platform

replace github.com/doudi-platform/doudi/contracts => ../../contracts

// go-kit pulls in the pre-split genproto, whose packages clash with the split
// googleapis/{api,rpc} modules ("ambiguous import"); pin the split-era version.
replace google.golang.org/genproto => google.golang.org/genproto v0.0.0-20261026165753-2ffab32bce7e
