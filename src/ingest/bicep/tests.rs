//! Bicep front-end tests: translation and evaluation of small files.
