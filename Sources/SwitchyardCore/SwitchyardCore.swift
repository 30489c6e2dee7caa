// SwitchyardCore.
