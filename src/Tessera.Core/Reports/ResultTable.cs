using System.Collections.Immutable;

namespace Tessera.Reports;

/// <summary>
/// How a table column's numbers read: the CLI picks units from it (Usd: dollars; JouleUsd: energy × cost, J·$; Number: a
/// dimensionless figure of any size, such as an objective's value).
/// </summary>
public enum ValueKind { Text, Count, Seconds, Joules, JouleSeconds, Bytes, Ratio, PerSecond, PerJoule, Usd, JouleUsd, Number }

/// <summary>A column of a result table.</summary>
public sealed record ResultColumn(string Header, ValueKind Kind);

/// <summary>A cell: a number, or text in a text column.</summary>
public readonly record struct ResultValue(double Number, string? Text = null)
{
    public static implicit operator ResultValue(double number) => new(number);

    public static implicit operator ResultValue(string text) => new(double.NaN, text);
}

/// <summary>
/// A result laid out as a table, neutral to how it is shown: title, caption, typed columns, rows and notes. Experiments
/// and studies return them; the command line prints them all the same way.
/// </summary>
public sealed record ResultTable(string Title, string Caption, ImmutableArray<ResultColumn> Columns,
    ImmutableArray<ImmutableArray<ResultValue>> Rows, ImmutableArray<string> Notes);
