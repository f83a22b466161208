// Package robot simulates a 2D tabletop with a gripper and coloured blocks,
// rendered as small RGB frames: the RT-1 analogue of the video world-model
// task. Notebooks import it as "rlvr/envs/robot".
//
// The world (sim.go): a 32x32-unit table, a gripper that moves up to 4
// units per axis and step and opens or closes, 1 to 3 blocks of distinct
// colours, a goal zone tinted with the target block's colour, and an
// optional drawer. Closing over a block grasps it (15% slip), a held block
// drops now and then (4% per move), a closed empty gripper pushes blocks
// (with slips and sideways jitter). Positions live on a 2-unit grid so that
// the 4x4-pixel patch codebook can express nearly every patch.
//
// The task (task.go, codec.go): NewTask(Options{Steps: 1}) is "video" and
// NewTask(Options{Steps: 3}) is "video-multi". Each example is one episode
// seed: a layout, 0 to 16 steps of a data policy (35% no-ops, 40% random
// moves, the rest expert), then the Steps steps to predict. Tokens: codebook
// ids [0,K), then x-move, y-move and grip bins (see Task). The reward is
// -(MAE + (1 - SSIM)) on decoded frames, 0 at best and -3 for an unusable
// response; the metrics are mae, mse, psnr, ssim, perceptual and repetition.
//
// For people: Task.Rollout turns a response into a display.Frames viewer
// value; FrameImage and FramePNG render frames.
//
// For the policy-evaluation experiment (policy.go): scripted policies of
// graded quality (GradedPolicies: expert, noisy 0.25, noisy 0.5, random)
// act on what Perceive reads off a frame, so that they run the same in the
// simulator (RunPolicy) and inside a world model (RunPolicyInModel).
package robot
