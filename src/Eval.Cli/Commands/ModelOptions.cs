using Eval.Core.Models;
using Eval.Core.Validation;
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
}
