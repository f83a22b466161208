module github.com/rlvrworld/rlvrworld

go 1.26.8
