namespace Tessera.Fuzz;

/// <summary>Command lines from every command's flags with careless values: zero, negative, huge, non-numeric, empty.</summary>
public static class Flags
{
    private static readonly string[] Numbers = ["0", "-3", "-1", "1", "2", "3", "1e999", "NaN", "-0", "2147483648", "99999999999", "100000", "abc", "", "0.5", "1e-300"];
    private static readonly string[] Names = ["resnet18", "gpt2-small", "nope", "", "-", "7", "tpu-like", "scar-2x2-het", "lbl", "fused", "ga", "edp", "energy*latency^2", "latency^", "1/0", "(", "roofline"];

    private static readonly (string Command, string[] Positional, string[] Options)[] Commands =
    [
        ("run", ["", "scar-2x2-het"], ["--hardware", "--partition", "--tile", "--scheduler", "--objective", "--cost-model", "--minibatch", "--minibatch-size",
            "--tp", "--seed", "--population", "--generations", "--time-limit", "--n-splits", "--top-k", "--latency-limit", "--workload", "--stack", "--node-cap"]),
        ("inspect", ["resnet18", "gpt2-small", "llama3.1-8b", "mobilenetv2"], ["--batch", "--bits", "--phase", "--sequence", "--context"]),
        ("map", ["resnet18", "gpt2-small"], ["--core", "--objective", "--cost-model", "--layer", "--offchip", "--num-pes", "--noc-bw", "--noc-latency",
            "--offchip-bw", "--batch", "--bits", "--phase", "--sequence", "--context"]),
        ("hardware", ["", "scar-2x2-het", "tpu-like", "nope"], []),
        ("cost", ["scar-2x2-het", "simba-like"], ["--profile", "--volume", "--products-sharing", "--packaging", "--nre"]),
        ("floorplan", ["scar-2x2-het", "scar-6x6-het"], ["--packaging", "--ucie-reach"]),
        ("candidates", ["--suite=gpt2-small:decode"], ["--suite", "--cost-model"]),
        ("experiment", ["", "nope"], ["--cost-model", "--setting", "--minibatch-size"]),
        ("study", ["", "nope", "--print-default"], ["--cost-model"]),
        ("ecosystem", ["--suite=gpt2-small:decode"], ["--objective", "--cost-profile", "--max-pool", "--seed", "--cost-model"]),
        ("models", [""], []),
    ];

    public static FuzzCase Generate(int index, Random random, string work)
    {
        var (command, positional, options) = Mutators.Pick(Commands, random);
        var args = new List<string> { command };
        var first = Mutators.Pick(positional, random);
        if (first.Length > 0) args.Add(first);
        for (int k = random.Next(1, 4); k > 0 && options.Length > 0; k--)
        {
            args.Add(Mutators.Pick(options, random));
            args.Add(random.Next(2) == 0 ? Mutators.Pick(Numbers, random) : Mutators.Pick(Names, random));
        }
        // A valid run stops after printing its scenario; the searches run on one decode step without simulation.
        if (command == "run") args.Add("--print-scenario");
        if (command is "candidates" or "ecosystem") args.AddRange(["--cache", Path.Combine(work, "profiles.db")]);
        if (command is "candidates" or "ecosystem" && !args.Contains("--cost-model")) args.AddRange(["--cost-model", "roofline"]);
        if (command == "ecosystem" && !args.Contains("--max-pool")) args.AddRange(["--max-pool", "1", "--no-simulate"]);
        return new FuzzCase(index, "flags", [.. args], string.Join(' ', args.Skip(1)));
    }
}
