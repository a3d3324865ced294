// MiniRTC demo mini program: join a room, publish the camera, play up to 8 others.
App({
  globalData: {},
});
