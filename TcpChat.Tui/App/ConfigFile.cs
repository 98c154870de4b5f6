namespace TcpChat.Tui.App;

/// <summary>
/// The optional config file, <c>$XDG_CONFIG_HOME/tcpchat/config</c> (else <c>~/.config/tcpchat/config</c>):
/// <c>key = value</c> lines, <c>#</c> comments. Keys: host, port, nick, rooms (space-separated), bell (true/false), mouse (true/false),
/// password (of a registered nick), server_password (of a private server). Keep the file private (chmod 600).
/// Flags on the command line win over it.
/// </summary>
public static class ConfigFile
{
    public static string DefaultPath
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            string root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
                : xdg;
            return Path.Combine(root, "tcpchat", "config");
        }
    }

    /// <summary>Reads the file over <paramref name="defaults"/>; a missing file changes nothing.</summary>
    /// <exception cref="FormatException">A line that is not <c>key = value</c>, an unknown key, or a bad value.</exception>
    public static ClientOptions Load(string path, ClientOptions defaults)
    {
        if (!File.Exists(path)) return defaults;
        var options = defaults;
        int number = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) throw new FormatException($"{path}:{number}: expected key = value");
            string key = line[..eq].Trim().ToLowerInvariant(), value = line[(eq + 1)..].Trim();
            options = key switch
            {
                "host" => options with { Host = value },
                "port" when int.TryParse(value, out int port) && port is > 0 and < 65536 => options with { Port = port },
                "nick" => options with { Nick = value },
                "rooms" => options with { Rooms = value.Split(' ', ',', StringSplitOptions.RemoveEmptyEntries) },
                "bell" when bool.TryParse(value, out bool bell) => options with { Bell = bell },
                "mouse" when bool.TryParse(value, out bool mouse) => options with { Mouse = mouse },
                "password" when !value.Contains(' ') => options with { Password = value },
                "server_password" when !value.Contains(' ') => options with { ServerPassword = value },
                "host" or "port" or "nick" or "rooms" or "bell" or "mouse" or "password" or "server_password" => throw new FormatException($"{path}:{number}: bad value for {key}: '{value}'"),
                _ => throw new FormatException($"{path}:{number}: unknown key '{key}' (host, port, nick, rooms, bell, mouse, password, server_password)"),
            };
        }
        return options;
    }
}
