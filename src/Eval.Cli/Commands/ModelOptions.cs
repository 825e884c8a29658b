using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Core.Validation;
using Eval.Torch.Bench;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tokenization;
using static TorchSharp.torch;

namespace Eval.Cli.Commands;

/// <summary>Turns the --model and --dtype options shared by several verbs into a loaded model, with clear errors.</summary>
public static class ModelOptions
{
    public static readonly string[] DTypes = ["fp32", "bf16"];

    public static ScalarType ParseDType(string text) => text.ToLowerInvariant() switch
    {
        "fp32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        _ => throw new InvalidInputException($"--dtype \"{text}\" is not valid. Valid: {string.Join(", ", DTypes)}.{DidYouMean.Hint(text, DTypes)}"),
    };

    public static TorchLanguageModel Load(string reference, ScalarType dtype, int? trainedLength = null)
    {
        string directory;
        try { directory = ModelReference.Resolve(reference); }
        catch (DirectoryNotFoundException e) { throw new InvalidInputException($"--model: {e.Message}"); }
        if (!Directory.Exists(directory))
        {
            var zoo = ModelReference.ZooModels();
            throw new InvalidInputException($"--model: \"{reference}\" is not a directory ({directory})." +
                (zoo.Count > 0 ? $" Zoo models: {string.Join(", ", zoo.Select(z => ModelReference.ZooPrefix + z))}." : ""));
        }
        try { return TorchLanguageModel.Load(directory, dtype, trainedLength: trainedLength); }
        catch (Exception e) when (e is CheckpointException or ModelConfigException or TokenizerException)
        {
            throw new InvalidInputException($"--model: {e.Message}");
        }
    }

    /// <summary>
    /// <see cref="Load"/>, or for synthetic:SIZE a randomly initialised Llama (seed 0) without a tokenizer, built
    /// directly in <paramref name="dtype"/>: a 7B shape in bf16 fits this machine's memory only if it never exists in fp32.
    /// </summary>
    public static TorchLanguageModel LoadOrSynthetic(string reference, ScalarType dtype)
    {
        if (!reference.StartsWith(SyntheticPrefix, StringComparison.Ordinal)) return Load(reference, dtype);
        LlamaArchitecture architecture;
        try { architecture = SyntheticModels.Get(reference[SyntheticPrefix.Length..]); }
        catch (ArgumentException e) { throw new InvalidInputException($"--model: {e.Message}"); }
        // Refused before allocating: synthetic:7b in fp32 (27 GB) would be killed for memory halfway through building.
        var config = architecture.ToConfig(dtype == ScalarType.Float32 ? "float32" : "bfloat16");
        double needed = new ModelCost(config, ModelCost.BytesOf(config.TorchDtype)).WeightBytes;
        if (needed > MachineMemory.LimitBytes)
            throw new InvalidInputException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"--model: {reference} needs about {needed / (1L << 30):N1} GiB for its weights in {dtype}, more than the {MachineMemory.LimitBytes / (double)(1L << 30):N1} GiB of memory available. Valid: a smaller size, or --dtype bf16."));
        manual_seed(0);
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try
        {
            var model = new LlamaForCausalLM(architecture);
            model.eval();
            return new TorchLanguageModel(model, tokenizer: null) { Config = config };
        }
        finally { set_default_dtype(previous); }
    }

    public const string SyntheticPrefix = "synthetic:";
}
