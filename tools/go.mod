module github.com/doudi-platform/doudi/tools

go 1.26.0
