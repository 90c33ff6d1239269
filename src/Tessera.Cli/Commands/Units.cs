using System.Globalization;

namespace Tessera.Cli.Commands;

/// <summary>Human-readable engineering units for tables.</summary>
internal static class Units
{
    private static readonly string[] Prefixes = ["", "k", "M", "G", "T", "P", "E"];
    private static readonly (double Scale, string Prefix)[] Scales =
        [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")];

    /// <summary>1234567 → "1.23 M".</summary>
    public static string Count(double value)
    {
        int i = 0;
        while (Math.Abs(value) >= 1000 && i < Prefixes.Length - 1) { value /= 1000; i++; }
        return i == 0 ? $"{value:0.##}" : $"{value:0.00} {Prefixes[i]}";
    }

    /// <summary>Dollars: whole from $100 ("$5,403"), cents from $1 ("$44.03"), three decimals below ("$0.118").</summary>
    public static string Usd(double value) => value.ToString(Math.Abs(value) >= 100 ? "$#,0" : Math.Abs(value) >= 1 ? "$0.00" : "$0.###",
        CultureInfo.InvariantCulture);

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int i = 0;
        while (bytes >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? $"{bytes:0} B" : $"{bytes:0.00} {units[i]}";
    }

    /// <summary>Seconds, joules, hertz and the like: 0.00123 s → "1.23 ms", 7e8 Hz → "700 MHz".</summary>
    public static string Si(double value, string unit)
    {
        if (value == 0) return $"0 {unit}";
        foreach (var (scale, prefix) in Scales)
            if (Math.Abs(value) >= scale) return $"{value / scale:0.###} {prefix}{unit}";
        return $"{value:0.###e0} {unit}";
    }
}
