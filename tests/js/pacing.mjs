// The pacing numbers ui/live/__init__.py PACING sends in every payload, written out by hand so the
// player tests can check hand-computed numbers (tests/test_live.py checks this copy against PACING).
export const PACING = {
  min_fps: 4, full_share: 0.5, full_min: 2, max_catchup: 3, ask_seconds: 0.5, ask_min: 2,
  lost_after_s: 5, fps_min: 1, fps_max: 120, fps_default: 20,
};
