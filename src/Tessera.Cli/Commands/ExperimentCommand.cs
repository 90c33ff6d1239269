using System.CommandLine;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Experiments;

namespace Tessera.Cli.Commands;

/// <summary>`tessera experiment NAME`: run one of the seed papers' experiments and print its table.</summary>
internal static class ExperimentCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string?>("name")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = $"Experiment to run: {string.Join(", ", ExperimentRegistry.All.Select(e => e.Name))}; without it, list them",
        };
        var json = new Option<bool>("--json") { Description = "Write the result as JSON to stdout instead of a table" };
        var outFile = new Option<string?>("--out") { Description = "Also write the result as JSON to this file" };
        var shared = new Option<string?>("--shared") { Description = "The shared folder holding data/ (default: TESSERA_SHARED, else the first ancestor with shared/data)" };
        var reduced = new Option<bool>("--reduced") { Description = "Run the reduced configuration set (fewer rows, small batches; what the tests run)" };
        var command = new Command("experiment", "Run a seed paper's experiment (SCAR datacenter and AR/VR, inter-layer scheduling, Stream fusion) and print its table")
            { name, json, outFile, shared, reduced };
        command.SetAction(parse =>
        {
            if (parse.GetValue(name) is not { } experimentName)
            {
                var list = new Table().AddColumns("experiment", "compares");
                foreach (var e in ExperimentRegistry.All)
                    list.AddRow(Markup.Escape(e.Name), Markup.Escape(e.Description));
                context.Console.Write(list);
                return 0;
            }
            var experiment = ExperimentRegistry.Find(experimentName);
            var folder = ExperimentRegistry.LocateShared(parse.GetValue(shared) ?? Environment.GetEnvironmentVariable("TESSERA_SHARED"),
                [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);
            var options = new ExperimentOptions(folder, parse.GetValue(reduced));
            // Experiments simulate many configurations (seconds to minutes).
            var result = ProgressBar.Run(context, parse.GetValue(json), $"experiment {experiment.Name}", bar => experiment.Run(options, bar, CancellationToken.None));
            if (parse.GetValue(outFile) is { } file)
            {
                try
                {
                    using var writer = new StreamWriter(file);
                    JsonOutput.WriteObject(writer, result);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new TesseraInputException($"{file}: cannot write the result ({e.Message})");
                }
            }
            if (parse.GetValue(json)) JsonOutput.WriteObject(context.Out, result);
            else Print(context.Console, result.ToTable());
            return 0;
        });
        return command;
    }

    private static void Print(IAnsiConsole console, ExperimentTable t)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(t.Title)), Caption = new TableTitle(Markup.Escape(t.Caption)) };
        foreach (var c in t.Columns)
            table.AddColumn(new TableColumn(Markup.Escape(c.Header)) { Alignment = c.Kind == ValueKind.Text ? Justify.Left : Justify.Right });
        foreach (var row in t.Rows)
            table.AddRow([.. row.Select((v, i) => Markup.Escape(Format(v, t.Columns[i].Kind)))]);
        console.Write(table);
        foreach (var note in t.Notes)
            console.MarkupLine($"note: {Markup.Escape(note)}");
    }

    private static string Format(ExperimentValue v, ValueKind kind) => v.Text ?? kind switch
    {
        ValueKind.Count => Units.Count(v.Number),
        ValueKind.Seconds => Units.Si(v.Number, "s"),
        ValueKind.Joules => Units.Si(v.Number, "J"),
        ValueKind.JouleSeconds => Units.Si(v.Number, "J·s"),
        ValueKind.Bytes => Units.Bytes(v.Number),
        ValueKind.Ratio => $"{v.Number:0.000}",
        ValueKind.PerSecond => $"{Units.Count(v.Number)}/s",
        ValueKind.PerJoule => $"{Units.Count(v.Number)}/J",
        _ => v.Number.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
    };
}
