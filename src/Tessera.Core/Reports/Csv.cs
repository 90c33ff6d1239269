using System.Globalization;

namespace Tessera.Reports;

/// <summary>
/// Tables as CSV (RFC 4180: comma-separated, quoted when a field holds a comma, quote or line break): numbers in full
/// precision in the base unit of their column, which the header names ("latency (s)").
/// </summary>
public static class Csv
{
    /// <summary>The base unit of a column kind as a header suffix (empty for text, counts and ratios).</summary>
    public static string Unit(ValueKind kind) => kind switch
    {
        ValueKind.Seconds => "s",
        ValueKind.Joules => "J",
        ValueKind.JouleSeconds => "J·s",
        ValueKind.Bytes => "B",
        ValueKind.PerSecond => "1/s",
        ValueKind.PerJoule => "1/J",
        ValueKind.Usd => "$",
        ValueKind.JouleUsd => "J·$",
        _ => "",
    };

    /// <summary>A header with its unit, unless the header already ends with one in parentheses.</summary>
    public static string Header(ResultColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var unit = Unit(column.Kind);
        return unit.Length == 0 || column.Header.EndsWith(')') ? column.Header : $"{column.Header} ({unit})";
    }

    /// <summary>One table: a header line, then its rows (title, caption and notes are left to the caller).</summary>
    public static void Write(TextWriter writer, ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Write(writer, table.Columns.Select(Header), table.Rows.Select(r => r.Select(Field)));
    }

    /// <summary>Any rows under a header.</summary>
    public static void Write(TextWriter writer, IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rows);
        writer.WriteLine(Line(header));
        foreach (var row in rows) writer.WriteLine(Line(row));
    }

    /// <summary>A cell as a field: text as it is, a number round-trippable, NaN as empty.</summary>
    public static string Field(ResultValue value) => value.Text ?? Number(value.Number);

    public static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Line(IEnumerable<string> fields) => string.Join(',', fields.Select(Quote));

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
