"""After training: load a run as a plain module, predict, evaluate elsewhere, export, and the model card."""

from .evaluate import Evaluation, evaluate_model
from .export import Export, export_model
from .export_formats import FORMATS
from .file_inputs import image_paths
from .loaded import LoadedModel, Prediction, load
from .predict_files import FilePredictions, check_output_file, predict_files, write_predictions
from .transform import EvalTransform
from .views import TestViews

__all__ = ["EvalTransform", "Evaluation", "Export", "FORMATS", "FilePredictions", "LoadedModel", "Prediction", "TestViews",
           "check_output_file", "evaluate_model", "export_model", "image_paths", "load", "predict_files", "write_predictions"]
