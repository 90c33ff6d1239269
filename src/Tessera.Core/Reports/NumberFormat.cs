using System.Globalization;

namespace Tessera.Reports;

/// <summary>
/// Numbers as tables and charts show them, one set of rules for the console and the HTML report: SI prefixes for
/// seconds, joules and the like ("1.23 ms"), thousands prefixes for counts ("1.23 M"), binary prefixes for bytes,
/// dollars; or a cell in its column's base unit where the header names the unit (the report's tables, as in CSV).
/// </summary>
public static class NumberFormat
{
    /// <summary>SI prefixes, largest first: the scale a prefix stands for and its inverse (what an axis multiplies by).</summary>
    private static readonly (double Scale, double Factor, string Prefix)[] SiPrefixes =
    [
        (1e12, 1e-12, "T"), (1e9, 1e-9, "G"), (1e6, 1e-6, "M"), (1e3, 1e-3, "k"), (1, 1, ""),
        (1e-3, 1e3, "m"), (1e-6, 1e6, "µ"), (1e-9, 1e9, "n"), (1e-12, 1e12, "p"), (1e-15, 1e15, "f"),
    ];

    private static readonly string[] CountPrefixes = ["", "k", "M", "G", "T", "P", "E"];
    private static readonly string[] ByteUnits = ["B", "KiB", "MiB", "GiB", "TiB"];
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The largest prefix not above <paramref name="magnitude"/> (femto for anything smaller).</summary>
    private static (double Scale, double Factor, string Prefix) SiPrefix(double magnitude) =>
        SiPrefixes.FirstOrDefault(p => magnitude >= p.Scale, SiPrefixes[^1]);

    /// <summary>Seconds, joules, hertz and the like: 0.00123 s → "1.23 ms", 7e8 Hz → "700 MHz"; below femto as an exponent.</summary>
    public static string Si(double value, string unit)
    {
        if (value == 0) return $"0 {unit}";
        if (Math.Abs(value) < SiPrefixes[^1].Scale) return string.Create(Invariant, $"{value:0.###e0} {unit}");
        var (scale, _, prefix) = SiPrefix(Math.Abs(value));
        return string.Create(Invariant, $"{value / scale:0.###} {prefix}{unit}");
    }

    /// <summary>
    /// An axis's factor and unit: the SI prefix that brings the largest finite magnitude into [1, 1000) (seconds in ms,
    /// joules in mJ); a dimensionless axis ("") is left as it is.
    /// </summary>
    public static (double Factor, string Unit) SiScale(IEnumerable<double> values, string unit)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Length == 0) return (1, "");
        double max = values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        if (max == 0) return (1, unit);
        var (_, factor, prefix) = SiPrefix(max);
        return (factor, prefix + unit);
    }

    /// <summary>1234567 → "1.23 M", 12.5 → "12.5".</summary>
    public static string Count(double value)
    {
        int i = 0;
        while (Math.Abs(value) >= 1000 && i < CountPrefixes.Length - 1) { value /= 1000; i++; }
        return i == 0 ? value.ToString("0.##", Invariant) : string.Create(Invariant, $"{value:0.00} {CountPrefixes[i]}");
    }

    /// <summary>Binary prefixes: 3 × 2^20 → "3.00 MiB".</summary>
    public static string Bytes(double bytes)
    {
        int i = 0;
        while (bytes >= 1024 && i < ByteUnits.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? string.Create(Invariant, $"{bytes:0} B") : string.Create(Invariant, $"{bytes:0.00} {ByteUnits[i]}");
    }

    /// <summary>Dollars: whole from $100 ("$5,403"), cents from $1 ("$44.03"), three decimals below ("$0.118").</summary>
    public static string Usd(double value) => value.ToString(Math.Abs(value) >= 100 ? "$#,0" : Math.Abs(value) >= 1 ? "$0.00" : "$0.###", Invariant);

    /// <summary>A figure of no particular unit: four significant digits.</summary>
    public static string Plain(double value) => value.ToString("G4", Invariant);

    /// <summary>A cell with its unit, prefixed to suit its size (the console's tables); text as it is, NaN (no value) empty.</summary>
    public static string WithUnit(ResultValue value, ValueKind kind) => value.Text ?? (double.IsNaN(value.Number) ? "" : kind switch
    {
        ValueKind.Count => Count(value.Number),
        ValueKind.Seconds => Si(value.Number, "s"),
        ValueKind.Joules => Si(value.Number, "J"),
        ValueKind.JouleSeconds => Si(value.Number, "J·s"),
        ValueKind.Bytes => Bytes(value.Number),
        ValueKind.Ratio => value.Number.ToString("0.000", Invariant),
        ValueKind.PerSecond => $"{Count(value.Number)}/s",
        ValueKind.PerJoule => $"{Count(value.Number)}/J",
        ValueKind.Usd => Usd(value.Number),
        ValueKind.JouleUsd => Si(value.Number, "J·$"),
        _ => Plain(value.Number),
    });

    /// <summary>
    /// A cell in its column's base unit, the header naming it (<see cref="Csv.Header"/>; the report's tables): whole
    /// counts grouped ("12,345"), other numbers to four significant digits; text as it is, NaN empty.
    /// </summary>
    public static string InBaseUnit(ResultValue value, ValueKind kind) => value.Text ?? (double.IsNaN(value.Number) ? ""
        : kind == ValueKind.Count && Math.Abs(value.Number) < 1e15 && value.Number == Math.Round(value.Number) ? value.Number.ToString("#,0", Invariant)
        : Plain(value.Number));
}
