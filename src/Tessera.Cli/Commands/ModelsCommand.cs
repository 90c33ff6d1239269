using System.CommandLine;
using Spectre.Console;
using Tessera.Reports;
using Tessera.Workloads.Zoo;

namespace Tessera.Cli.Commands;

/// <summary>`tessera models`: the built-in model zoo.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Write JSON instead of a table" };
        var command = new Command("models", "List the built-in model zoo") { json };
        command.SetAction(parse =>
        {
            var rows = ModelZoo.Entries.Select(e =>
            {
                var graph = ModelZoo.Create(e.Name);
                return new { e.Name, e.Family, e.Description, Parameters = graph.ParameterCount, Macs = graph.Macs, Operators = graph.Operators.Length };
            }).ToList();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(context.Out, rows);
                return 0;
            }
            var table = new Table().AddColumns("model", "family", "parameters", "MACs (batch 1)", "operators", "description");
            foreach (var r in rows)
                table.AddRow(r.Name, r.Family, NumberFormat.Count(r.Parameters), NumberFormat.Count(r.Macs), r.Operators.ToString(), Markup.Escape(r.Description));
            context.Console.Write(table);
            context.Console.MarkupLine("[grey]Transformers: MACs at prefill of 128 tokens. Use 'tessera inspect NAME' for the operators.[/]");
            return 0;
        });
        return command;
    }
}
