using Spectre.Console;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>Prints any result table (experiments, studies) with units chosen by each column's kind.</summary>
internal static class ResultTablePrinter
{
    public static void Print(IAnsiConsole console, ResultTable t)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(t.Title)), Caption = t.Caption.Length > 0 ? new TableTitle(Markup.Escape(t.Caption)) : null };
        foreach (var c in t.Columns)
            table.AddColumn(new TableColumn(Markup.Escape(c.Header)) { Alignment = c.Kind == ValueKind.Text ? Justify.Left : Justify.Right });
        foreach (var row in t.Rows)
            table.AddRow([.. row.Select((v, i) => Markup.Escape(Format(v, t.Columns[i].Kind)))]);
        console.Write(table);
        foreach (var note in t.Notes)
            console.MarkupLine($"note: {Markup.Escape(note)}");
    }

    public static string Format(ResultValue v, ValueKind kind) => v.Text ?? kind switch
    {
        ValueKind.Count => Units.Count(v.Number),
        ValueKind.Seconds => Units.Si(v.Number, "s"),
        ValueKind.Joules => Units.Si(v.Number, "J"),
        ValueKind.JouleSeconds => Units.Si(v.Number, "J·s"),
        ValueKind.Bytes => Units.Bytes(v.Number),
        ValueKind.Ratio => $"{v.Number:0.000}",
        ValueKind.PerSecond => $"{Units.Count(v.Number)}/s",
        ValueKind.PerJoule => $"{Units.Count(v.Number)}/J",
        ValueKind.Usd => Units.Usd(v.Number),
        ValueKind.JouleUsd => Units.Si(v.Number, "J·$"),
        _ => v.Number.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
    };
}
