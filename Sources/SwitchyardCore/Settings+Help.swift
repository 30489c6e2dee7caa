extension Settings {
    /// Help for `switchyard serve --help`: every flag with its environment variable, default and meaning, one
    /// line each, grouped (server, upstream, limits, builtin endpoints, logging, cluster/redis).
    package static var helpText: String {
        let rows = options.map { option -> (left: String, option: Option) in
            let flag = option.flag.map { option.isSwitch ? $0 : "\($0) \(option.valueName)" } ?? "(environment only)"
            return (flag, option)
        }
        let flagWidth = rows.map(\.left.count).max() ?? 0
        let envWidth = options.map { ($0.environment ?? "-").count }.max() ?? 0
        let defaultWidth = options.map { "[\($0.defaultText)]".count }.max() ?? 0
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }

        var lines = [
            "Usage: switchyard serve [flags]",
            "",
            "Flags beat environment variables (llm-router's names); an empty variable counts as unset.",
            "Flags take a value as --flag VALUE or --flag=VALUE. Durations are in seconds.",
        ]
        for group in Option.Group.allCases {
            lines.append("")
            lines.append("\(group.rawValue):")
            for row in rows where row.option.group == group {
                let option = row.option
                lines.append("  " + pad(row.left, flagWidth) + "  " + pad(option.environment ?? "-", envWidth) + "  "
                    + pad("[\(option.defaultText)]", defaultWidth) + "  " + option.help)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
