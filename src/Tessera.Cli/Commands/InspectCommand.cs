using System.CommandLine;
using Spectre.Console;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Workloads;

namespace Tessera.Cli.Commands;

/// <summary>`tessera inspect MODEL`: a model's operators with shapes, MACs and bytes, and the totals.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "A zoo name (see 'tessera models') or an .onnx file" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of a table" };
        var shape = new ModelOptionsBinder();
        var command = new Command("inspect", "Show a model's operators, shapes, MACs and bytes") { model, json };
        shape.AddTo(command);
        command.SetAction(parse =>
        {
            var (request, bits) = shape.Bind(parse, parse.GetValue(model)!);
            var graph = ScenarioLoader.Build(request, bits);
            var rows = graph.Operators.Select(op =>
            {
                var s = graph.Statistics(op);
                return new
                {
                    op.Name, op.OpType, Kind = Kind(op),
                    Inputs = op.Inputs.Select(i => graph.Tensors[i].ToString()).ToList(),
                    Outputs = op.Outputs.Select(o => graph.Tensors[o].ToString()).ToList(),
                    Loops = op is ComputeOperator c ? string.Join(' ', c.Nest.Dimensions.Where(d => d.Size > 1).Select(d => $"{d.Name}{d.Size}")) : null,
                    s.Macs, s.VectorOperations, s.ParameterBytes, s.InputActivationBytes, s.OutputBytes,
                };
            }).ToList();
            var totals = new
            {
                graph.Name, Operators = graph.Operators.Length, graph.Macs, graph.ParameterCount, graph.ParameterBytes, graph.ActivationBytes,
                VectorOperations = rows.Sum(r => r.VectorOperations),
            };
            if (parse.GetValue(json))
            {
                JsonOutput.WriteResult(context, new { Model = totals, Operators = rows });
                return 0;
            }
            var table = new Table().AddColumns("operator", "type", "output", "loops", "MACs", "vector ops", "param bytes", "act. bytes in", "bytes out");
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Name), r.OpType, Markup.Escape(string.Join(", ", r.Outputs)), r.Loops ?? "",
                    NumberFormat.Count(r.Macs), NumberFormat.Count(r.VectorOperations), NumberFormat.Bytes(r.ParameterBytes),
                    NumberFormat.Bytes(r.InputActivationBytes), NumberFormat.Bytes(r.OutputBytes));
            table.AddRow("[bold]total[/]", "", "", "", $"[bold]{NumberFormat.Count(totals.Macs)}[/]", NumberFormat.Count(totals.VectorOperations),
                NumberFormat.Bytes(totals.ParameterBytes), "", "");
            context.Console.Write(table);
            context.Console.MarkupLine($"{Markup.Escape(graph.Name)}: {totals.Operators} operators, {NumberFormat.Count(totals.Macs)} MACs, " +
                $"{NumberFormat.Count(totals.ParameterCount)} parameters ({NumberFormat.Bytes(totals.ParameterBytes)}), activations {NumberFormat.Bytes(totals.ActivationBytes)}");
            return 0;
        });
        return command;
    }

    private static string Kind(Operator op) => op switch
    {
        ComputeOperator => "compute",
        VectorOperator => "vector",
        _ => "shape",
    };
}
