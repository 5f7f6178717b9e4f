module github.com/doudi-platform/doudi/services/beneficiaries

go 1.26.0

require (
	github.com/doudi-platform/doudi/services/platform v0.0.0
	github.com/google/uuid v1.6.0
)

replace github.com/doudi-platform/doudi/services/platform => ../platform

replace github.com/doudi-platform/doudi/contracts => ../../contracts
