using System.CommandLine;
using Tessera.Diagnostics;
using Tessera.Scenarios;
using Tessera.Workloads.Zoo;

namespace Tessera.Cli.Commands;

/// <summary>The options that shape a model: batch, bits, and a transformer's phase and lengths.</summary>
internal sealed class ModelOptionsBinder
{
    public Option<int> Batch { get; } = new("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 };
    public Option<int> Bits { get; } = new("--bits") { Description = "Bits per value of every tensor", DefaultValueFactory = _ => 8 };
    public Option<TransformerPhase> Phase { get; } = new("--phase") { Description = "Transformer phase: prefill or decode", DefaultValueFactory = _ => TransformerPhase.Prefill };
    public Option<int> Sequence { get; } = new("--sequence") { Description = "Prompt length S for prefill", DefaultValueFactory = _ => 128 };
    public Option<int> Context { get; } = new("--context") { Description = "KV-cache length L for decode", DefaultValueFactory = _ => 1024 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Batch, Bits, Phase, Sequence, Context })
            command.Options.Add(option);
    }

    public (ModelRequest Request, int Bits) Bind(ParseResult parse, string source)
    {
        foreach (var (option, value) in new[] { (Batch, parse.GetValue(Batch)), (Bits, parse.GetValue(Bits)), (Sequence, parse.GetValue(Sequence)), (Context, parse.GetValue(Context)) })
            if (value <= 0)
                throw new TesseraInputException($"{option.Name} is {value}; expected a positive integer");
        return (new ModelRequest(source, parse.GetValue(Batch), parse.GetValue(Phase), parse.GetValue(Sequence), parse.GetValue(Context)),
            parse.GetValue(Bits));
    }
}
