// Package robot simulates a 2D tabletop with a gripper and coloured blocks,
// rendered as small RGB frames (the RT-1 analogue).
package robot
