namespace Tessera.Cli.Commands;

/// <summary>Human-readable engineering units for tables.</summary>
internal static class Units
{
    private static readonly string[] Prefixes = ["", "k", "M", "G", "T", "P", "E"];
    private static readonly (double Scale, string Prefix)[] Small = [(1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")];

    /// <summary>1234567 → "1.23 M".</summary>
    public static string Count(double value)
    {
        int i = 0;
        while (Math.Abs(value) >= 1000 && i < Prefixes.Length - 1) { value /= 1000; i++; }
        return i == 0 ? $"{value:0.##}" : $"{value:0.00} {Prefixes[i]}";
    }

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int i = 0;
        while (bytes >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? $"{bytes:0} B" : $"{bytes:0.00} {units[i]}";
    }

    /// <summary>Seconds, joules and the like: 0.00123 s → "1.23 ms".</summary>
    public static string Si(double value, string unit)
    {
        if (value == 0) return $"0 {unit}";
        foreach (var (scale, prefix) in Small)
            if (Math.Abs(value) >= scale) return $"{value / scale:0.###} {prefix}{unit}";
        return $"{value:0.###e0} {unit}";
    }
}
